import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import type { BenchConfig } from './config';

export interface BenchScripts {
  bareServer: string;
  generator: string;
}

/**
 * chat-service is measured as it ships: `npm run build` (tsc to dist/), then `node
 * dist/server/main.js`. The bare server and the generators are bundled to plain JavaScript too,
 * so no process under measurement pays for an on-the-fly TypeScript loader.
 */
export async function buildAll(config: BenchConfig, log: (line: string) => void): Promise<BenchScripts> {
  if (config.skipBuild) {
    log(`using the existing build in ${config.chatDir}/dist (BENCH_SKIP_BUILD=1)`);
  } else {
    log(`building chat-service in ${config.chatDir} (npm run build)`);
    await run('npm', ['run', 'build'], config.chatDir);
  }
  const outDir = path.resolve(config.benchDir, '..', 'dist', 'bench');
  const scripts: BenchScripts = {
    bareServer: path.join(outDir, 'bare-server.js'),
    generator: path.join(outDir, 'load-generator.js'),
  };
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
  } as const;
  await build({
    ...common,
    entryPoints: [path.join(config.benchDir, 'bare-server.ts')],
    outfile: scripts.bareServer,
  });
  await build({
    ...common,
    entryPoints: [path.join(config.benchDir, 'load/generator.ts')],
    outfile: scripts.generator,
  });
  return scripts;
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output}`));
    });
  });
}
