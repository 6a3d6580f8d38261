import { HIGHLIGHT_END, HIGHLIGHT_START } from '../store/conversation-types';

/** Terms one search matches at most (further words of the query are ignored). */
export const SEARCH_TERMS_MAX = 16;

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The words of a query: runs of letters and digits (any script), lower-cased, each once, in order,
 * at most SEARCH_TERMS_MAX. Everything else separates words, so no query syntax of either
 * database (FTS5 operators, tsquery symbols) ever reaches it.
 */
export function searchTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const [word] of query.matchAll(WORD)) {
    if (terms.size >= SEARCH_TERMS_MAX) break;
    terms.add(word.toLowerCase());
  }
  return [...terms];
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Contents longer than this are cut to the passage around their first match. */
export const HIGHLIGHT_PASSAGE = 240;
/** How much of the passage comes before the first match. */
const LEAD = 60;

/**
 * The highlight of a search result as HTML, built from the message's own content: the text
 * escaped, each word the store matched in `<mark>`…`</mark>`, a long content cut to the passage
 * around its first match (`…` where cut). The store's highlight (matches between HIGHLIGHT_START
 * and HIGHLIGHT_END) says only WHICH words matched, by stem: its text is not used, because
 * PostgreSQL's ts_headline drops what its parser takes for HTML tags and some punctuation, and the
 * two stores cut passages differently. Built here, the answer is the same on both stores and
 * always well-formed: a message that itself contains the marker characters cannot forge marks.
 */
export function highlightHtml(content: string, storeHighlight: string): string {
  const matched = markedWords(storeHighlight);
  const words = [...content.matchAll(WORD)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    hit: matched.has(m[0].toLowerCase()),
  }));
  const first = words.find((w) => w.hit);
  let from = 0;
  let to = content.length;
  if (content.length > HIGHLIGHT_PASSAGE) {
    from = first ? wordStartAtOrBefore(words, first.start - LEAD) : 0;
    to = Math.min(content.length, from + HIGHLIGHT_PASSAGE);
    // Not through the middle of a word, nor of a surrogate pair.
    const cutWord = words.find((w) => w.start < to && w.end > to);
    if (cutWord && cutWord.start > from) to = cutWord.start;
    if (isLowSurrogate(content.charCodeAt(to))) to -= 1;
  }
  let html = from > 0 ? '…' : '';
  let at = from;
  for (const w of words) {
    if (!w.hit || w.start < from || w.end > to) continue;
    html +=
      escapeHtml(content.slice(at, w.start)) +
      '<mark>' +
      escapeHtml(content.slice(w.start, w.end)) +
      '</mark>';
    at = w.end;
  }
  html += escapeHtml(content.slice(at, to));
  return to < content.length ? `${html}…` : html;
}

/** The words between the store's marks, lower-cased. */
function markedWords(storeHighlight: string): Set<string> {
  const words = new Set<string>();
  const marked = new RegExp(`${HIGHLIGHT_START}([^${HIGHLIGHT_END}]*)${HIGHLIGHT_END}`, 'gu');
  for (const [, text] of storeHighlight.matchAll(marked)) {
    for (const [word] of (text ?? '').matchAll(WORD)) words.add(word.toLowerCase());
  }
  return words;
}

function wordStartAtOrBefore(words: readonly { start: number }[], index: number): number {
  if (index <= 0) return 0;
  let start = 0;
  for (const w of words) {
    if (w.start > index) break;
    start = w.start;
  }
  return start;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}
