/**
 * `npm run build:demo`: bundles the browser demo (demo/src/main.ts and the typed client it imports)
 * with esbuild into `dist/demo/` next to its index.html and styles.css. The server serves that folder
 * at `/demo`; nothing is loaded from a CDN.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '..');
const DEMO_DIR = path.join(ROOT, 'demo');
export const DEFAULT_DEMO_OUT_DIR = path.join(ROOT, 'dist', 'demo');

/** Builds the demo into `outDir` (emptied first): index.html, app.js (+ source map), styles.css. */
export async function buildDemo(outDir: string = DEFAULT_DEMO_OUT_DIR): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(DEMO_DIR, 'src', 'main.ts')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['es2022'],
    tsconfig: path.join(DEMO_DIR, 'tsconfig.json'),
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
  await Promise.all(
    ['index.html', 'styles.css'].map((file) => copyFile(path.join(DEMO_DIR, file), path.join(outDir, file))),
  );
}

if (require.main === module) {
  buildDemo().then(
    () => process.stdout.write(`demo built into ${path.relative(process.cwd(), DEFAULT_DEMO_OUT_DIR)}\n`),
    (err: unknown) => {
      process.stderr.write(`build:demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
