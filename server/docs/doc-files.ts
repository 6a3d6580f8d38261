import { stringify } from 'yaml';
import { buildAsyncApiDocument } from './asyncapi-document';
import { buildOpenApiDocument } from './openapi-document';

/** The checked-in documents (scripts/generate-docs.ts writes them, tests/docs checks they are current). */

const HEADER = '# Generated from the zod schemas in shared/ by `npm run docs`; do not edit by hand.\n';

export interface DocFile {
  /** Relative to the project root. */
  file: string;
  build: () => object;
}

export const DOC_FILES: readonly DocFile[] = [
  { file: 'openapi.yaml', build: () => buildOpenApiDocument() },
  { file: 'asyncapi.yaml', build: () => buildAsyncApiDocument() },
];

/** The YAML text of a document: plain, diffable, and already as Prettier formats it (`npm run lint`). */
export function renderYaml(document: object): string {
  return (
    HEADER +
    stringify(document, {
      // No anchors for objects used twice (examples share parts) and no folded lines.
      aliasDuplicateObjects: false,
      lineWidth: 0,
      // The repository's Prettier style (singleQuote).
      singleQuote: true,
      // Quote what YAML 1.1 parsers would read as something else (ISO times as dates, `on` as true…).
      version: '1.1',
    })
  );
}
