import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './doc-files';

/**
 * docs/dependencies.md is the review of every runtime dependency (the registry's audit endpoint is
 * out of reach here, so it stands in for `npm audit`). Its table and package.json's "dependencies"
 * must name the same packages, and each of them must still be loaded by the server's code: a
 * package only tests, scripts or the benchmark use belongs in "devDependencies".
 */

const DOC = 'docs/dependencies.md';
const SECTION = '## Runtime dependencies';
/** Where the code the server runs lives (the server imports shared/ by relative paths). */
const RUNTIME_DIRS = ['server', 'shared'];

const read = (file: string): string => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

/** The package named in the first cell of each row of the doc's runtime table. */
function documented(markdown: string): string[] {
  const start = markdown.indexOf(`\n${SECTION}\n`);
  if (start === -1) throw new Error(`${DOC} has no "${SECTION}" section`);
  const body = markdown.slice(start + SECTION.length + 2);
  const end = body.search(/^## /m);
  const table = end === -1 ? body : body.slice(0, end);
  return [...table.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1] ?? '');
}

function declared(): string[] {
  const manifest = JSON.parse(read('package.json')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {});
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(rel);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Packages a file loads at run time: imports (not `import type`), re-exports, require and require.resolve. */
function loadedPackages(source: string): string[] {
  const patterns = [
    /^\s*import\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm,
    /^\s*export\s+(?!type\b)[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /\b(?:require|require\.resolve|import)\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns
    .flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1] ?? ''))
    .filter((s) => s !== '' && !s.startsWith('.') && !s.startsWith('node:'))
    .map(packageOf);
}

describe(DOC, () => {
  const table = documented(read(DOC));

  test('lists every runtime dependency, and nothing else, once', () => {
    const deps = new Set(declared());
    const listed = new Set(table);
    expect({
      undocumented: [...deps].filter((d) => !listed.has(d)).sort(),
      listedButNotRuntimeDependencies: [...listed].filter((d) => !deps.has(d)).sort(),
      listedTwice: table.filter((d, i) => table.indexOf(d) !== i),
    }).toEqual({ undocumented: [], listedButNotRuntimeDependencies: [], listedTwice: [] });
  });

  test("every runtime dependency is loaded by the server's code", () => {
    const loaded = new Set(
      RUNTIME_DIRS.flatMap(sourceFiles)
        .filter((file) => !file.includes('.test.'))
        .flatMap((file) => loadedPackages(read(file))),
    );
    expect(declared().filter((d) => !loaded.has(d))).toEqual([]);
  });

  test('the parsers find what they must', () => {
    expect(
      documented(
        `x\n${SECTION}\n\n| a | b |\n| - | - |\n| \`p\` | q |\n| \`@s/p\` | r |\n\n## Next\n| \`n\` |`,
      ),
    ).toEqual(['p', '@s/p']);
    const source = [
      "import a from 'alpha';",
      "import type { B } from 'beta';",
      "import { type C, d } from '@scope/gamma/sub';",
      "import 'delta/register';",
      "export { e } from 'epsilon';",
      "const f = require.resolve('zeta/bundles/x.js');",
      "import { g } from './local';",
      "import { h } from 'node:fs';",
    ].join('\n');
    expect(loadedPackages(source)).toEqual(['alpha', '@scope/gamma', 'delta', 'epsilon', 'zeta']);
  });
});
