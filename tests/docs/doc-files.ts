import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderYaml } from '../../server/docs/doc-files';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export function readProjectFile(file: string): Promise<string> {
  return readFile(path.join(PROJECT_ROOT, file), 'utf8');
}

/**
 * Fails unless the checked-in `file` is exactly what `npm run docs` writes for `document`, with
 * a message that says how to fix it and where the first difference is.
 */
export async function expectCheckedInCurrent(file: string, document: object): Promise<void> {
  const expected = renderYaml(document);
  const actual = await readProjectFile(file).catch(() => '');
  if (actual === expected) return;
  const want = expected.split('\n');
  const have = actual.split('\n');
  let line = 0;
  while (want[line] === have[line]) line += 1;
  throw new Error(
    `${file} is stale: it differs from what the zod schemas generate. Run \`npm run docs\` and commit ${file}.\n` +
      `First difference at line ${line + 1}:\n  checked in: ${have[line] ?? '(end of file)'}\n  generated:  ${want[line] ?? '(end of file)'}`,
  );
}
