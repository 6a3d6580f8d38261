import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './doc-files';

/**
 * The repository's Markdown is read on its own (a clone, a package page), so no link may lead out of
 * it except to a public https site: every link and image target is an https URL, a `#anchor` of the
 * same file, or a path inside the repository (with its anchor, when given). The README stays a front
 * door (at most 150 lines) that names every page of docs/. (Its TypeScript snippets are checked
 * against examples/ by tests/examples/readme-snippets.test.ts.)
 */

const README_MAX_LINES = 150;

/** Files the repository holds: tracked, plus new ones not ignored (so this works before a commit). */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  const files = out.split('\0').filter((f) => f !== '' && existsSync(path.join(PROJECT_ROOT, f)));
  return [...new Set(files)].sort();
}

const FILES = repositoryFiles();
const FILE_SET = new Set(FILES);
const DIR_SET = new Set(FILES.flatMap((f) => ancestors(f)));
const MARKDOWN = FILES.filter((f) => f.endsWith('.md') && !f.split('/').includes('node_modules'));

function ancestors(file: string): string[] {
  const dirs: string[] = [];
  for (let dir = path.posix.dirname(file); dir !== '.'; dir = path.posix.dirname(dir)) dirs.push(dir);
  return dirs;
}

function read(file: string): string {
  return readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
}

/** The text with fenced code blocks blanked (line count kept), so code is never read as Markdown. */
function withoutFences(text: string): string {
  let fence: string | undefined;
  return text
    .split('\n')
    .map((line) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined) {
        if (marker !== undefined) fence = marker;
        return marker === undefined ? line : '';
      }
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) {
        if (/^\s*[`~]+\s*$/.test(line)) fence = undefined;
      }
      return '';
    })
    .join('\n');
}

/** Blanks inline code spans (which may wrap across lines) and HTML comments. */
function withoutCodeSpans(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, '').replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, '');
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/`/g, '');
    const base = text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of markdown.matchAll(/<[a-z][^>]*\s(?:id|name)\s*=\s*["']([^"']+)["']/gi)) {
    if (match[1] !== undefined) anchors.add(match[1]);
  }
  return anchors;
}

/** Every link and image target in a Markdown text: inline, reference definitions, autolinks, HTML, bare URLs. */
function linkTargets(markdown: string): string[] {
  let text = withoutCodeSpans(withoutFences(markdown));
  const targets: string[] = [];
  const take = (pattern: RegExp): void => {
    text = text.replace(pattern, (_whole, target: string) => {
      targets.push(target.replace(/^<|>$/g, ''));
      return ' ';
    });
  };
  // Inline `[text](target "title")` and `![alt](target)`: the destination after `](`.
  take(/\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g);
  // Reference definitions `[label]: target`.
  take(/^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)/gm);
  // Autolinks `<scheme:…>`, HTML `href` / `src`.
  take(/<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/gi);
  take(/\b(?:href|src)\s*=\s*["']([^"']*)["']/gi);
  // What GitHub links by itself: bare URLs and `www.` hosts in prose.
  take(/(?<![\w/.-])((?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>()"'`]*[^\s<>()"'`.,:;!?*_~])/gi);
  return targets;
}

/** Hosts that only mean something on the reader's own machine or network. */
function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    /^(localhost|0\.0\.0\.0|::1?)$/.test(h) ||
    /\.(localhost|local|test|internal)$/.test(h) ||
    /^(127|10)\./.test(h) ||
    /^192\.168\./.test(h) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(h) ||
    !h.includes('.')
  );
}

/** Why `target`, linked from `file`, does not resolve inside the repository or to a public site; undefined when it does. */
function linkProblem(
  file: string,
  target: string,
  anchorsOf: (file: string) => Set<string>,
): string | undefined {
  if (target === '') return 'empty link target';
  if (target.startsWith('#')) {
    return anchorsOf(file).has(decodeURIComponent(target.slice(1)))
      ? undefined
      : 'no such heading in this file';
  }
  if (target.startsWith('//')) return 'a protocol-relative URL leaves the repository; use https://';
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.toLowerCase().startsWith('www.')) {
    let url: URL;
    try {
      url = new URL(target.toLowerCase().startsWith('www.') ? `https://${target}` : target);
    } catch {
      return 'not a valid URL';
    }
    if (url.protocol !== 'https:')
      return `${url.protocol} links leave the repository; only https sites are allowed`;
    if (isLocalHost(url.hostname)) return 'an https link to a host that is not public';
    return undefined;
  }
  if (target.startsWith('/')) return 'an absolute path; write it relative to this file';
  const [pathPart = '', anchor] = target.split('#', 2);
  if (pathPart.includes('?')) return 'a query string on a file path';
  const resolved = path.posix.normalize(
    path.posix.join(path.posix.dirname(file), decodeURIComponent(pathPart)),
  );
  if (resolved === '..' || resolved.startsWith('../')) return 'a path that leaves the repository';
  const inRepo = resolved.replace(/\/$/, '');
  if (!FILE_SET.has(inRepo) && !DIR_SET.has(inRepo) && inRepo !== '.') {
    return `${inRepo} is not a file of the repository`;
  }
  if (anchor === undefined) return undefined;
  if (!inRepo.endsWith('.md')) return 'an anchor into a file that is not Markdown cannot be checked';
  return anchorsOf(inRepo).has(decodeURIComponent(anchor)) ? undefined : `no heading #${anchor} in ${inRepo}`;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    anchors = headingAnchors(read(file));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

describe('Markdown links', () => {
  test('the checker finds what GitHub links, and names what is wrong', () => {
    const sample = [
      '# Title: `/ws/{room_id}`',
      '## Title: `/ws/{room_id}`',
      'See [a](docs/x.md#part "t") and ![pic](docs/demo.png), <https://example.org/a>, http://127.0.0.1:3002/demo.',
      '`[not](a-link.md)`',
      '```md',
      '[not](either.md)',
      '```',
      '[ref]: ../outside.md',
    ].join('\n');
    expect([...headingAnchors(sample)]).toEqual(['title-wsroom_id', 'title-wsroom_id-1']);
    expect(linkTargets(sample)).toEqual([
      'docs/x.md#part',
      'docs/demo.png',
      '../outside.md',
      'https://example.org/a',
      'http://127.0.0.1:3002/demo',
    ]);
    const none = (): Set<string> => new Set();
    expect(linkProblem('README.md', '../shared/contract.md', none)).toBe('a path that leaves the repository');
    expect(linkProblem('README.md', 'http://127.0.0.1:3002/demo', none)).toMatch(/only https/);
    expect(linkProblem('README.md', 'https://localhost:3002/', none)).toMatch(/not public/);
    expect(linkProblem('README.md', 'https://socket.io/docs/v4/', none)).toBeUndefined();
    expect(linkProblem('README.md', 'package.json', none)).toBeUndefined();
    expect(linkProblem('README.md', 'no-such-file.md', none)).toMatch(/not a file of the repository/);
    expect(linkProblem('README.md', '#title', () => new Set(['title']))).toBeUndefined();
    expect(linkProblem('README.md', '#nope', () => new Set(['title']))).toBe('no such heading in this file');
  });

  test('there is Markdown to check', () => {
    expect(MARKDOWN).toEqual(expect.arrayContaining(['README.md', 'docs/limits.md']));
  });

  test('every link and image in the Markdown files stays inside the repository or goes to a public https site', () => {
    const problems = MARKDOWN.flatMap((file) =>
      linkTargets(read(file)).flatMap((target) => {
        const problem = linkProblem(file, target, anchorsOf);
        return problem === undefined ? [] : [`${file}: (${target}) ${problem}`];
      }),
    );
    expect(problems).toEqual([]);
  });
});

describe('README', () => {
  const readme = read('README.md');

  test(`is a front door: at most ${README_MAX_LINES} lines`, () => {
    const lines = readme.replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  test('links every page of docs/, and each page opens with its title and a summary', () => {
    const pages = FILES.filter((f) => /^docs\/[^/]+\.md$/.test(f));
    const linked = new Set(linkTargets(readme).map((t) => path.posix.normalize(t.split('#')[0] ?? '')));
    expect(pages.filter((page) => !linked.has(page))).toEqual([]);
    for (const page of pages) {
      const [title = '', blank, summary = ''] = read(page).split('\n');
      expect({ page, title: /^# \S/.test(title), blank, summary: /^[^\s#|>`<-]/.test(summary) }).toEqual({
        page,
        title: true,
        blank: '',
        summary: true,
      });
    }
  });
});
