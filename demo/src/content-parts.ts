import { h } from './dom';

/**
 * Message text as nodes, with its mentions picked out. The server decides who a message mentions
 * (`Message.mentions`, members only); this finds where: each `@run` as the server reads it (after
 * the start or a character that cannot be in a user id), the run as written first, then without its
 * trailing `.`, `:` and `-` ("thanks @bob.").
 */
const MENTION = /(?<![A-Za-z0-9_.:@-])@([A-Za-z0-9_.:@-]+)/g;
const TRAILING_PUNCTUATION = /[.:-]+$/;

export function textWithMentions(text: string, mentions: readonly string[], meId: string | null): Node[] {
  if (mentions.length === 0) return [document.createTextNode(text)];
  const nodes: Node[] = [];
  let from = 0;
  for (const match of text.matchAll(MENTION)) {
    const run = match[1] ?? '';
    const id = mentions.includes(run) ? run : run.replace(TRAILING_PUNCTUATION, '');
    if (!mentions.includes(id)) continue;
    nodes.push(document.createTextNode(text.slice(from, match.index)));
    nodes.push(
      h(
        'span',
        { class: id === meId ? 'mention me' : 'mention', 'data-testid': 'mention', 'data-user-id': id },
        `@${id}`,
      ),
    );
    from = match.index + 1 + id.length;
  }
  nodes.push(document.createTextNode(text.slice(from)));
  return nodes;
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/**
 * A search result's `highlight` as nodes. The server sends HTML whose only markup is `<mark>` around
 * escaped text; rather than trusting that with innerHTML, the marks become <mark> elements and the
 * rest is unescaped into text, so anything else in it would show as text, never as markup.
 */
export function highlightNodes(html: string): Node[] {
  return html.split(/(<mark>[^<]*<\/mark>)/).map((part) => {
    const marked = /^<mark>([^<]*)<\/mark>$/.exec(part);
    const text = (marked?.[1] ?? part).replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);
    return marked ? h('mark', {}, text) : document.createTextNode(text);
  });
}
