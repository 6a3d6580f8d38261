/**
 * `npm test` and `npm run test:all`: the SQLite pass (Jest over all of tests/) and then the
 * PostgreSQL pass (TEST_STORE=postgres over tests/integration and tests/e2e), probing PostgreSQL,
 * Redis and Chromium once first. A missing service skips the suites that need it, and the run ends
 * with one line per skipped group; with CHAT_TEST_REQUIRE_ALL=1 (test:all, .ci/run) a missing
 * service fails the run before any test starts. Arguments are handed to both Jest runs.
 */
import { spawn } from 'node:child_process';
import {
  decide,
  encodeServices,
  probeServices,
  SERVICES_ENV,
  testServiceSettings,
} from '../tests/setup/services';

const JEST = require.resolve('jest/bin/jest');

/**
 * Suites whose assertions ride on timing (bursts coalesced in time windows, slow readers, rate
 * windows, nodes failing and Redis dropping, processes killed): they run one at a time, after the
 * rest has run two suites at once. Two at once is what keeps a whole run within CI's time on two
 * cores; these would see the other suite's load as theirs.
 */
const ALONE = [
  'tests/integration/join-storm',
  'tests/integration/frame-coalescing',
  'tests/integration/rate-limits',
  'tests/security/polling-',
  'tests/multinode/',
  'tests/shared-state/',
  'tests/durability/',
  'tests/webhooks/sigkill',
];

/**
 * One pass: the suites under `roots` (all when empty), two at a time, then the ALONE ones. With
 * arguments of one's own (`npm test -- tests/unit`), one Jest run takes them as they are.
 */
async function pass(
  roots: readonly string[],
  extra: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  if (extra.length > 0) return jest([...roots, ...extra], env);
  const ignore = `--testPathIgnorePatterns=${ALONE.join('|')}`;
  const together = await jest([...roots, '--maxWorkers=2', ignore], env);
  const aloneHere = roots.length === 0 ? ALONE : ALONE.filter((a) => roots.some((r) => a.startsWith(r)));
  if (aloneHere.length === 0) return together;
  const alone = await jest(['--runInBand', '--passWithNoTests', ...aloneHere], env);
  return together !== 0 ? together : alone;
}

/** Runs Jest with `args` and `env`; resolves with its exit code (1 if a signal ended it). */
function jest(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JEST, ...args], { env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const probes = await probeServices(testServiceSettings());
  const decision = decide(probes, {
    requireAll: process.env.CHAT_TEST_REQUIRE_ALL === '1',
    postgresPass: true,
  });
  if (!decision.ok) {
    process.stderr.write(`npm test: ${decision.failure}\n`);
    return 1;
  }
  // Jest's globalSetup takes this answer instead of probing again and leaves the reporting to us.
  const env = { ...process.env, [SERVICES_ENV]: encodeServices(probes) };
  const extra = process.argv.slice(2);
  let code = await pass([], extra, { ...env, TEST_STORE: 'sqlite' });
  const postgresUp = probes.some((p) => p.service === 'postgres' && p.up);
  if (code === 0 && postgresUp) {
    process.stderr.write('\nnpm test: the PostgreSQL pass (integration and e2e with TEST_STORE=postgres)\n');
    code = await pass(['tests/integration', 'tests/e2e'], extra, { ...env, TEST_STORE: 'postgres' });
  } else if (postgresUp) {
    process.stderr.write('\nnpm test: the PostgreSQL pass did not run: the SQLite pass failed\n');
  }
  // At the end, where a reader looks, rather than above hundreds of lines of Jest output.
  if (decision.skipLines.length > 0) process.stderr.write(`\n${decision.skipLines.join('\n')}\n`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`npm test: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
