import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { needs } from '../helpers/services';
import globalSetup from '../setup/global-setup';
import {
  answers,
  decide,
  decodeServices,
  encodeServices,
  isExecutable,
  postgresAddress,
  probeServices,
  redisAddress,
  SERVICES_ENV,
  testServiceSettings,
  type Probe,
} from '../setup/services';

/**
 * How a test run decides what to skip: `npm test` must pass on a machine with only Node.js, skip
 * with one line per missing service, and fail instead under CHAT_TEST_REQUIRE_ALL=1 (CI).
 */

const ROOT = path.resolve(__dirname, '../..');
/** Nothing listens on port 1 of the loopback interface: connections are refused at once. */
const REFUSED = '127.0.0.1:1';

/** A port something listens on now, and how to stop listening. */
async function listening(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Runs `fn` with the given variables set (undefined: unset), restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

const up = (service: Probe['service']): Probe => ({ service, up: true });
const down = (service: Probe['service'], reason: string): Probe => ({ service, up: false, reason });

describe('test service settings', () => {
  it('default to the local services and Debian’s Chromium; an empty variable means the default', () => {
    expect(testServiceSettings({})).toEqual({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      redisUrl: 'redis://127.0.0.1:6379',
      chromiumPath: '/usr/bin/chromium',
    });
    expect(testServiceSettings({ TEST_DATABASE_URL: '', CHROMIUM_PATH: '/opt/chromium' })).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      chromiumPath: '/opt/chromium',
    });
  });

  it('find host and port in the URLs, with each service’s default port', () => {
    expect(postgresAddress('postgres://u:p@db.example:6543/x')).toEqual({ host: 'db.example', port: 6543 });
    expect(postgresAddress('postgres://postgres@127.0.0.1/test')).toEqual({ host: '127.0.0.1', port: 5432 });
    expect(redisAddress('redis://[::1]/2')).toEqual({ host: '::1', port: 6379 });
    expect(() => redisAddress('127.0.0.1 6379')).toThrow(/TEST_REDIS_URL/);
  });
});

describe('probing', () => {
  it('a port answers while something listens on it, and not once it has stopped', async () => {
    const server = await listening();
    expect(await answers({ host: '127.0.0.1', port: server.port })).toBe(true);
    await server.close();
    expect(await answers({ host: '127.0.0.1', port: server.port })).toBe(false);
  });

  it('Chromium counts only as an executable file', () => {
    expect(isExecutable(process.execPath)).toBe(true);
    expect(isExecutable(__filename)).toBe(false);
    expect(isExecutable('/nonexistent/chromium')).toBe(false);
  });

  it('reports each service with the reason a missing one is missing', async () => {
    const server = await listening();
    try {
      const probes = await probeServices({
        databaseUrl: `postgres://postgres@127.0.0.1:${server.port}/test`,
        redisUrl: `redis://${REFUSED}`,
        chromiumPath: '/nonexistent/chromium',
      });
      expect(probes).toEqual([
        up('postgres'),
        down('redis', `nothing answers on ${REFUSED} (TEST_REDIS_URL)`),
        down('chromium', 'no executable at /nonexistent/chromium (CHROMIUM_PATH)'),
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('deciding', () => {
  const pgDown = down('postgres', 'nothing answers on 127.0.0.1:5432 (TEST_DATABASE_URL)');
  const chromiumDown = down('chromium', 'no executable at /usr/bin/chromium (CHROMIUM_PATH)');

  it('skips nothing when everything answers', () => {
    const all = [up('postgres'), up('redis'), up('chromium')];
    expect(decide(all, { requireAll: true, postgresPass: true })).toEqual({ ok: true, skipLines: [] });
  });

  it('prints one line per missing service: what is skipped, why, and the command that runs it', () => {
    const decision = decide([pgDown, up('redis'), chromiumDown], { requireAll: false, postgresPass: true });
    expect(decision).toEqual({
      ok: true,
      skipLines: [
        'skipped: PostgreSQL suites (store suites on PostgreSQL, PostgresStore, PostgreSQL readiness, durability on PostgreSQL, ' +
          'multi-node, leaving across nodes, logs with service passwords, webhook store on PostgreSQL, ' +
          'webhooks across kill -9, webhooks on two nodes, ' +
          'integration and e2e on PostgreSQL) — nothing answers on 127.0.0.1:5432 (TEST_DATABASE_URL); ' +
          'start PostgreSQL and run npm run test:all',
        'skipped: Chromium suites (browser demo, API docs pages) — no executable at /usr/bin/chromium ' +
          '(CHROMIUM_PATH); install Chromium (apt-get install chromium) and run npm run test:all',
      ],
    });
    // A bare `jest` has no PostgreSQL pass, so its line does not claim to skip one.
    const bare = decide([pgDown], { requireAll: false, postgresPass: false });
    expect(bare.ok && bare.skipLines[0]).not.toMatch(/integration and e2e/);
  });

  it('fails instead, naming every missing service, under CHAT_TEST_REQUIRE_ALL=1', () => {
    expect(decide([pgDown, up('redis'), chromiumDown], { requireAll: true, postgresPass: true })).toEqual({
      ok: false,
      failure:
        'CHAT_TEST_REQUIRE_ALL=1, but these test services are missing: PostgreSQL (nothing answers on ' +
        '127.0.0.1:5432 (TEST_DATABASE_URL)); Chromium (no executable at /usr/bin/chromium (CHROMIUM_PATH))',
    });
  });

  it('fails a run told to put every server on PostgreSQL (TEST_STORE=postgres) when it is missing', () => {
    const decision = decide([pgDown], { requireAll: false, postgresPass: false, testStore: 'postgres' });
    expect(decision.ok).toBe(false);
    expect(decision.ok || decision.failure).toMatch(/^TEST_STORE=postgres, but PostgreSQL is missing/);
  });
});

describe('handing the answer to the test files', () => {
  it('round-trips what answered, and refuses a value it cannot read', () => {
    const encoded = encodeServices([up('postgres'), down('redis', 'x'), up('chromium')]);
    expect(encoded).toBe('postgres=up,redis=down,chromium=up');
    expect(decodeServices(encoded)).toEqual(new Set(['postgres', 'chromium']));
    expect(() => decodeServices('postgres=yes')).toThrow(SERVICES_ENV);
  });

  it('needs() gives Jest’s own functions, or their .skip when a service is missing', () =>
    withEnv({ [SERVICES_ENV]: 'postgres=up,redis=down,chromium=up' }, () => {
      expect(needs('postgres')).toEqual({ describe, test, it });
      expect(needs('postgres', 'redis')).toEqual({ describe: describe.skip, test: test.skip, it: it.skip });
    }));

  it('globalSetup publishes what it found, and fails under CHAT_TEST_REQUIRE_ALL=1', async () => {
    const unreachable = {
      [SERVICES_ENV]: undefined,
      TEST_STORE: undefined,
      TEST_DATABASE_URL: `postgres://postgres@${REFUSED}/test`,
      TEST_REDIS_URL: `redis://${REFUSED}`,
      CHROMIUM_PATH: '/nonexistent/chromium',
    };
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await withEnv({ ...unreachable, CHAT_TEST_REQUIRE_ALL: undefined }, async () => {
        await globalSetup();
        expect(process.env[SERVICES_ENV]).toBe('postgres=down,redis=down,chromium=down');
      });
      expect(write).toHaveBeenCalledTimes(3);
      await withEnv({ ...unreachable, CHAT_TEST_REQUIRE_ALL: '1' }, async () => {
        await expect(globalSetup()).rejects.toThrow(
          /^CHAT_TEST_REQUIRE_ALL=1, but .*PostgreSQL.*Redis.*Chromium/,
        );
      });
    } finally {
      write.mockRestore();
    }
  });

  it('`npm run test:all` stops before running any test when a service is missing, naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/test-run.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        CHAT_TEST_REQUIRE_ALL: '1',
        TEST_DATABASE_URL: `postgres://postgres@${REFUSED}/test`,
        TEST_REDIS_URL: `redis://${REFUSED}`,
        CHROMIUM_PATH: '/nonexistent/chromium',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, output }).toEqual({
      code: 1,
      output: expect.stringMatching(/^npm test: CHAT_TEST_REQUIRE_ALL=1, but .*PostgreSQL.*Redis.*Chromium/),
    });
    expect(output).not.toMatch(/Tests:/);
  });
});
