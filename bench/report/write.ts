import { writeFileSync } from 'node:fs';
import * as prettier from 'prettier';

/**
 * Writes a generated file already formatted as the repository's Prettier settings want it, so
 * `npm run lint` (prettier --check) passes on a committed RESULTS.md or results.json.
 */
export async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
}
