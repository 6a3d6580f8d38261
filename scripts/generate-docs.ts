import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DOC_FILES, renderYaml } from '../server/docs/doc-files';

/**
 * `npm run docs`: writes openapi.yaml and asyncapi.yaml at the project root from the zod schemas
 * in shared/. tests/docs fails while the checked-in files differ from what this writes.
 */
async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  for (const { file, build } of DOC_FILES) {
    await writeFile(path.join(root, file), renderYaml(build()));
    console.log(`wrote ${file}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
