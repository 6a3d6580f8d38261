import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLES_DIR = path.join(ROOT, 'examples');

/** A file's lines without their indentation, so a snippet may be quoted dedented. */
const lines = (text: string): string[] => text.split('\n').map((line) => line.trim());

/** The ```ts blocks of a Markdown file. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/** Whether `snippet` occurs, line for line, as consecutive lines of `file`. */
function quotes(file: string[], snippet: string[]): boolean {
  return file.some((_, start) => snippet.every((line, i) => file[start + i] === line));
}

/**
 * The README's TypeScript snippets are quoted from examples/, which the tests run against a real
 * server: a snippet that drifts from its example (or an example changed under a snippet) fails here.
 */
describe("README's TypeScript snippets", () => {
  const examples = readdirSync(EXAMPLES_DIR)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ name, lines: lines(readFileSync(path.join(EXAMPLES_DIR, name), 'utf8')) }));
  const snippets = tsBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

  it('has snippets, and examples to quote them from', () => {
    expect(snippets.length).toBeGreaterThan(0);
    expect(examples.map((e) => e.name).sort()).toEqual(['http-bot.ts', 'socketio-bot.ts', 'typed-client.ts']);
  });

  it.each(snippets.map((snippet) => [snippet.split('\n')[0], snippet]))(
    'quotes an example verbatim: %s',
    (_firstLine, snippet) => {
      const wanted = lines(snippet.trimEnd());
      const source = examples.find((example) => quotes(example.lines, wanted));
      expect({ snippet, foundIn: source?.name }).toEqual({ snippet, foundIn: expect.any(String) });
    },
  );
});
