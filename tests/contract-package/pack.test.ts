/**
 * The contract package installs alone: `npm pack` builds and packs the `shared/` workspace
 * (`chat-service-contract`), the tarball is installed into a fresh project with no other package of
 * ours, and a client app written against it (consumer/) type-checks, bundles for a browser under a
 * size bound, and loads from Node through both its CommonJS and its ES module build. The package
 * README's TypeScript examples are type-checked there too, so they cannot rot.
 *
 * Needs only Node.js and npm: the tarball's dependencies (zod, socket.io-client) come from npm's
 * cache, filled by `npm ci`; TypeScript and esbuild are this repository's own.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import * as z from 'zod';

const ROOT = path.resolve(__dirname, '..', '..');
const CONSUMER_DIR = path.join(__dirname, 'consumer');
const TSC = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
/** A client bundle (zod and socket.io-client included) is ~150 KB; server code would blow past this. */
const MAX_BUNDLE_BYTES = 250 * 1024;
const SERVER_PACKAGES = ['better-sqlite3', 'pg', 'redis', 'express', 'socket.io', 'winston'];
/** The values the README's examples leave to the reader. */
const README_GIVENS =
  'declare const myJwt: string;\ndeclare const roomId: string;\ndeclare const url: string;\n';

// npm exports its own settings to the scripts it runs (npm_config_local_prefix names this
// repository): a child npm must not inherit them, or it would work here instead of in the temporary
// project. Where the cache and the registry are, and whether to stay offline, are kept.
const KEPT_NPM_SETTINGS = new Set([
  'cache',
  'cafile',
  'registry',
  'userconfig',
  'globalconfig',
  'offline',
  'proxy',
  'https_proxy',
]);
const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => {
    const setting = /^npm_config_(.+)$/i.exec(key)?.[1]?.toLowerCase();
    return setting === undefined ? !/^npm_/i.test(key) : KEPT_NPM_SETTINGS.has(setting);
  }),
);

function run(command: string, args: string[], cwd: string): Promise<string> {
  const options = { cwd, env: childEnv, timeout: 90_000, maxBuffer: 32 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    execFile(command, args, options, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const packOutputSchema = z.tuple([
  z.object({ filename: z.string(), files: z.array(z.object({ path: z.string() })) }),
]);
const manifestSchema = z.object({ dependencies: z.record(z.string(), z.string()) });

let workDir: string;
let projectDir: string;
let packedFiles: string[];
let readmeExamples: string[];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'chat-contract-'));
  projectDir = path.join(workDir, 'app');
  await mkdir(projectDir);

  // `npm pack` runs the workspace's prepack script, which builds dist/ first.
  const pack = ['pack', '--workspace', 'chat-service-contract', '--pack-destination', workDir, '--json'];
  const [tarball] = packOutputSchema.parse(JSON.parse(await run('npm', pack, ROOT)));
  packedFiles = tarball.files.map((file) => file.path);

  const manifest = { name: 'contract-consumer', version: '1.0.0', private: true, type: 'module' };
  await writeFile(path.join(projectDir, 'package.json'), JSON.stringify(manifest, null, 2));
  const tarballPath = path.join(workDir, tarball.filename);
  await run('npm', ['install', tarballPath, '--prefer-offline', '--no-audit', '--no-fund'], projectDir);

  for (const file of await readdir(CONSUMER_DIR)) {
    await copyFile(path.join(CONSUMER_DIR, file), path.join(projectDir, file));
  }
  // Each of the README's TypeScript examples becomes a module of its own.
  const readme = await readFile(
    path.join(projectDir, 'node_modules', 'chat-service-contract', 'README.md'),
    'utf8',
  );
  const examples = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  readmeExamples = examples.map((_, index) => `readme-${index + 1}.ts`);
  await Promise.all(
    examples.map((code, index) =>
      writeFile(path.join(projectDir, `readme-${index + 1}.ts`), `${README_GIVENS}${code}export {};\n`),
    ),
  );
}, 120_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('the tarball holds the builds, their types and the README, and depends on zod and socket.io-client only', async () => {
  const allowed = (file: string): boolean =>
    file.startsWith('dist/') || /^(package\.json|README\.md|LICENSE)$/.test(file);
  expect(packedFiles.filter((file) => !allowed(file))).toEqual([]);
  expect(packedFiles).toEqual(
    expect.arrayContaining([
      'README.md',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
      'dist/cjs/client/index.js',
      'dist/cjs/client/index.d.ts',
      'dist/esm/index.mjs',
      'dist/esm/client/index.mjs',
    ]),
  );
  const installed = path.join(projectDir, 'node_modules', 'chat-service-contract', 'package.json');
  const manifest = manifestSchema.parse(JSON.parse(await readFile(installed, 'utf8')));
  expect(Object.keys(manifest.dependencies).sort()).toEqual(['socket.io-client', 'zod']);
  const modules = await readdir(path.join(projectDir, 'node_modules'));
  expect(modules.filter((name) => SERVER_PACKAGES.includes(name))).toEqual([]);
});

describe('a client app built on the installed package', () => {
  /** Runs the repository's tsc in the temporary project: each @ts-expect-error there must find its error. */
  async function typeCheck(name: string, resolution: object, files: string[]): Promise<void> {
    const compilerOptions = {
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      strict: true,
      noEmit: true,
      types: [],
    };
    const tsconfig = `tsconfig.${name}.json`;
    const config = { compilerOptions: { ...compilerOptions, ...resolution }, files };
    await writeFile(path.join(projectDir, tsconfig), JSON.stringify(config, null, 2));
    await run(process.execPath, [TSC, '-p', tsconfig], projectDir);
  }

  test('type-checks for a bundler, and so do the README examples', async () => {
    expect(readmeExamples.length).toBeGreaterThanOrEqual(3);
    await typeCheck('bundler', { module: 'esnext', moduleResolution: 'bundler' }, [
      'app.ts',
      ...readmeExamples,
    ]);
  }, 60_000);

  test('type-checks for Node as an ES module and as CommonJS (moduleResolution node16)', async () => {
    await typeCheck('node16', { module: 'node16', moduleResolution: 'node16' }, [
      'app.ts',
      'app-require.cts',
    ]);
  }, 60_000);

  test('bundles for a browser from the package alone, under the size bound', async () => {
    const outfile = path.join(projectDir, 'out', 'app.js');
    const result = await build({
      absWorkingDir: projectDir,
      entryPoints: ['app.ts'],
      outfile,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      metafile: true,
      logLevel: 'silent',
    });
    // Everything bundled comes from the temporary project: nothing from this repository.
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => path.isAbsolute(input) || input.startsWith('..'))).toEqual([]);
    expect(inputs).toContainEqual(expect.stringMatching(/^node_modules\/chat-service-contract\/dist\/esm\//));

    const { size } = await stat(outfile);
    const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
    process.stdout.write(
      `chat-service-contract client bundle: ${kb(size)} minified (bound ${kb(MAX_BUNDLE_BYTES)})\n`,
    );
    expect(size).toBeLessThan(MAX_BUNDLE_BYTES);
  });

  /** Node code that loads the package, then prints which file it loaded and what it found. */
  const probe = (load: string, entry: string): string => `
    ${load}
    const error = new contract.ChatError('NOT_FOUND', 'no such room');
    console.log(JSON.stringify({
      entry: path.relative(process.cwd(), ${entry}),
      createChatClient: typeof client.createChatClient,
      ChatError: typeof contract.ChatError,
      code: error.code,
      isError: error instanceof Error,
    }));`;
  const loaded = { createChatClient: 'function', ChatError: 'function', code: 'NOT_FOUND', isError: true };

  test('loads from Node with require() (the CommonJS build)', async () => {
    const load = `const path = require('node:path');
      const contract = require('chat-service-contract');
      const client = require('chat-service-contract/client');`;
    const entry = `require.resolve('chat-service-contract')`;
    const output = await run(
      process.execPath,
      ['--input-type=commonjs', '-e', probe(load, entry)],
      projectDir,
    );
    expect(JSON.parse(output)).toEqual({
      ...loaded,
      entry: 'node_modules/chat-service-contract/dist/cjs/index.js',
    });
  });

  test('loads from Node with import() (the ES module build)', async () => {
    const load = `const path = await import('node:path');
      const { fileURLToPath } = await import('node:url');
      const contract = await import('chat-service-contract');
      const client = await import('chat-service-contract/client');`;
    const entry = `fileURLToPath(import.meta.resolve('chat-service-contract'))`;
    const output = await run(process.execPath, ['--input-type=module', '-e', probe(load, entry)], projectDir);
    expect(JSON.parse(output)).toEqual({
      ...loaded,
      entry: 'node_modules/chat-service-contract/dist/esm/index.mjs',
    });
  });
});
