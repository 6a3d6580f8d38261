import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError, loadConfig } from '../../server/config/env';

const GOOD_SECRET = 'a-production-secret-of-at-least-32-characters-0123';

/** Runs `loadConfig` expecting a ConfigError, and returns its message. */
function configErrorOf(env: NodeJS.ProcessEnv): string {
  let thrown: unknown;
  try {
    loadConfig(env);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown instanceof Error ? thrown.message : '';
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('serves on 127.0.0.1:3002 in development with the contract defaults', () => {
      const config = loadConfig({});
      expect(config).toMatchObject({
        env: 'development',
        host: '127.0.0.1',
        port: 3002,
        typingTimeoutMs: 6000,
        corsOrigins: [],
      });
    });

    it('stores data in ./data/chat.db, resolved to an absolute path', () => {
      const { storage } = loadConfig({});
      expect(storage).toEqual({ kind: 'sqlite', path: path.resolve('data', 'chat.db') });
      expect(storage.kind === 'sqlite' && path.isAbsolute(storage.path)).toBe(true);
    });

    it('uses the limits of the contract', () => {
      expect(loadConfig({}).limits).toEqual({
        contentMax: 4000,
        roomNameMax: 100,
        descriptionMax: 1000,
        emojiMax: 32,
        invitedUsersMax: 1000,
        historyMax: 100,
        historyDefault: 50,
        roomListMax: 100,
        roomListDefault: 50,
        reactionsPerMessageMax: 32,
        reactionsPerUserMax: 10,
        reactionUsersShown: 10,
        clientIdMax: 64,
        messagesPerSecond: 20,
        typingPerSecond: 10,
        packetBytes: 1_000_000,
        bodyBytes: 1_000_000,
      });
    });

    it('bounds what one user and one connection may hold', () => {
      const config = loadConfig({});
      expect(config.rateBudgets).toEqual({
        messagesPerSecond: 20,
        typingPerSecond: 10,
        unauthenticatedPerMinute: 120,
        reactionsPerSecond: 10,
        readsPerSecond: 50,
        membershipPerSecond: 10,
        roomsPerMinute: 10,
        invitesPerMinute: 1000,
        handshakesPerMinute: 1200,
        adminLoginsPerMinute: 10,
      });
      expect(config.guards).toEqual({
        eventsInFlight: 32,
        connectionsPerUser: 30,
        bufferedBytes: 8 * 1024 * 1024,
      });
    });
  });

  describe('environment overrides', () => {
    it('reads HOST, PORT and TYPING_TIMEOUT_MS', () => {
      const config = loadConfig({ HOST: '127.0.0.1', PORT: '8080', TYPING_TIMEOUT_MS: '2500' });
      expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, typingTimeoutMs: 2500 });
    });

    it('listens on this machine only outside production unless HOST says otherwise', () => {
      // The development secret is public: a server using it must not be reachable from the network.
      expect(loadConfig({ NODE_ENV: 'development' }).host).toBe('127.0.0.1');
      expect(loadConfig({ NODE_ENV: 'test' }).host).toBe('127.0.0.1');
      expect(loadConfig({ NODE_ENV: 'development', HOST: '' }).host).toBe('127.0.0.1');
      expect(loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    });

    it('listens on every interface in production (where JWT_SECRET is required)', () => {
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET }).host).toBe('0.0.0.0');
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, HOST: '10.0.0.5' }).host).toBe(
        '10.0.0.5',
      );
    });

    it('accepts PORT=0 (an ephemeral port)', () => {
      expect(loadConfig({ PORT: '0' }).port).toBe(0);
    });

    it('reads every limit from its variable', () => {
      const { limits } = loadConfig({
        MAX_CONTENT_LENGTH: '500',
        MAX_ROOM_NAME_LENGTH: '40',
        MAX_DESCRIPTION_LENGTH: '0',
        MAX_EMOJI_LENGTH: '8',
        MAX_INVITED_USERS: '10',
        MAX_HISTORY_LIMIT: '30',
        DEFAULT_HISTORY_LIMIT: '20',
        MAX_ROOM_LIST_LIMIT: '25',
        DEFAULT_ROOM_LIST_LIMIT: '5',
        MAX_REACTIONS_PER_MESSAGE: '4',
        MAX_REACTIONS_PER_USER: '2',
        MAX_REACTION_USERS_SHOWN: '3',
        MAX_CLIENT_ID_LENGTH: '16',
        RATE_LIMIT_MESSAGES_PER_SECOND: '25',
        RATE_LIMIT_TYPING_PER_SECOND: '1',
        MAX_SOCKET_PACKET_BYTES: '2048',
        MAX_HTTP_BODY_BYTES: '4096',
      });
      expect(limits).toEqual({
        contentMax: 500,
        roomNameMax: 40,
        descriptionMax: 0,
        emojiMax: 8,
        invitedUsersMax: 10,
        historyMax: 30,
        historyDefault: 20,
        roomListMax: 25,
        roomListDefault: 5,
        reactionsPerMessageMax: 4,
        reactionsPerUserMax: 2,
        reactionUsersShown: 3,
        clientIdMax: 16,
        messagesPerSecond: 25,
        typingPerSecond: 1,
        packetBytes: 2048,
        bodyBytes: 4096,
      });
    });

    it('reads every budget and connection bound from its variable', () => {
      const config = loadConfig({
        RATE_LIMIT_REACTIONS_PER_SECOND: '3',
        RATE_LIMIT_READS_PER_SECOND: '4',
        RATE_LIMIT_MEMBERSHIP_PER_SECOND: '5',
        RATE_LIMIT_ROOMS_PER_MINUTE: '6',
        RATE_LIMIT_INVITES_PER_MINUTE: '7',
        MAX_INVITED_USERS: '7',
        RATE_LIMIT_HANDSHAKES_PER_MINUTE: '8',
        RATE_LIMIT_ADMIN_LOGINS_PER_MINUTE: '9',
        MAX_EVENTS_IN_FLIGHT: '2',
        MAX_CONNECTIONS_PER_USER: '3',
        MAX_BUFFERED_BYTES: '100000',
      });
      expect(config.rateBudgets).toMatchObject({
        reactionsPerSecond: 3,
        readsPerSecond: 4,
        membershipPerSecond: 5,
        roomsPerMinute: 6,
        invitesPerMinute: 7,
        handshakesPerMinute: 8,
        adminLoginsPerMinute: 9,
      });
      expect(config.guards).toEqual({ eventsInFlight: 2, connectionsPerUser: 3, bufferedBytes: 100_000 });
    });

    it('refuses a buffer bound below 64 KiB and inconsistent list and reaction bounds', () => {
      expect(configErrorOf({ MAX_BUFFERED_BYTES: '1000' })).toMatch(/MAX_BUFFERED_BYTES/);
      expect(configErrorOf({ MAX_ROOM_LIST_LIMIT: '10', DEFAULT_ROOM_LIST_LIMIT: '20' })).toMatch(
        /DEFAULT_ROOM_LIST_LIMIT/,
      );
      expect(configErrorOf({ MAX_REACTIONS_PER_MESSAGE: '3', MAX_REACTIONS_PER_USER: '5' })).toMatch(
        /MAX_REACTIONS_PER_USER/,
      );
      // A full invite list larger than the invite budget could never be sent.
      expect(configErrorOf({ MAX_INVITED_USERS: '50', RATE_LIMIT_INVITES_PER_MINUTE: '20' })).toMatch(
        /MAX_INVITED_USERS/,
      );
    });

    it('refuses a limit that is not a number, naming the variable', () => {
      expect(configErrorOf({ MAX_CONTENT_LENGTH: 'lots' })).toMatch(/MAX_CONTENT_LENGTH/);
    });

    it('refuses a zero content limit and a zero message rate', () => {
      expect(configErrorOf({ MAX_CONTENT_LENGTH: '0' })).toMatch(/MAX_CONTENT_LENGTH/);
      expect(configErrorOf({ RATE_LIMIT_MESSAGES_PER_SECOND: '0' })).toMatch(
        /RATE_LIMIT_MESSAGES_PER_SECOND/,
      );
      // Budgets are whole numbers of calls per window.
      expect(configErrorOf({ RATE_LIMIT_TYPING_PER_SECOND: '2.5' })).toMatch(/RATE_LIMIT_TYPING_PER_SECOND/);
    });

    it('refuses a default history page larger than the maximum', () => {
      expect(configErrorOf({ MAX_HISTORY_LIMIT: '10', DEFAULT_HISTORY_LIMIT: '20' })).toMatch(
        /DEFAULT_HISTORY_LIMIT/,
      );
    });

    it('reports every invalid variable at once', () => {
      const message = configErrorOf({ PORT: 'http', LOG_LEVEL: 'loud' });
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/LOG_LEVEL/);
    });
  });

  describe('group commit and frame coalescing windows', () => {
    it('default to one event-loop turn', () => {
      const config = loadConfig({});
      expect(config.storeWriteWindowMs).toBe(0);
      expect(config.socketWriteCoalesceMs).toBe(0);
    });

    it('take a few milliseconds', () => {
      const config = loadConfig({ STORE_WRITE_WINDOW_MS: '2', SOCKET_WRITE_COALESCE_MS: '5' });
      expect(config.storeWriteWindowMs).toBe(2);
      expect(config.socketWriteCoalesceMs).toBe(5);
    });

    it.each(['-1', '51', '1.5', 'soon'])('refuse %s, naming the variable', (value) => {
      expect(() => loadConfig({ STORE_WRITE_WINDOW_MS: value })).toThrow(/STORE_WRITE_WINDOW_MS/);
      expect(() => loadConfig({ SOCKET_WRITE_COALESCE_MS: value })).toThrow(/SOCKET_WRITE_COALESCE_MS/);
    });
  });

  describe('PORT', () => {
    it.each(['abc', '-1', '65536', '3002.5'])('refuses PORT=%s', (port) => {
      expect(configErrorOf({ PORT: port })).toMatch(/PORT/);
    });
  });

  describe('JWT_SECRET', () => {
    it('refuses to start in production without JWT_SECRET, saying so', () => {
      const message = configErrorOf({ NODE_ENV: 'production' });
      expect(message).toMatch(/JWT_SECRET/);
      expect(message).toMatch(/production/);
    });

    it('uses the given secret in production', () => {
      const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET });
      expect(config.env).toBe('production');
      expect(config.jwtSecret).toBe(GOOD_SECRET);
      expect(config.usingDevSecret).toBe(false);
    });

    it('refuses a secret shorter than 32 characters, in any environment', () => {
      const short = 'x'.repeat(31);
      expect(configErrorOf({ JWT_SECRET: short })).toMatch(/JWT_SECRET/);
      expect(configErrorOf({ NODE_ENV: 'production', JWT_SECRET: short })).toMatch(/JWT_SECRET/);
      expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).jwtSecret).toBe('x'.repeat(32));
    });

    it.each(['development', 'test'])('falls back to a development secret when NODE_ENV=%s', (env) => {
      const config = loadConfig({ NODE_ENV: env });
      expect(config.usingDevSecret).toBe(true);
      expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
    });

    it('treats an empty JWT_SECRET (as in a .env copied from .env.example) as unset', () => {
      // .env.example ships `JWT_SECRET=` and says every variable is optional outside production.
      const config = loadConfig({ NODE_ENV: 'development', JWT_SECRET: '' });
      expect(config.usingDevSecret).toBe(true);
      expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(configErrorOf({ NODE_ENV: 'production', JWT_SECRET: '' })).toMatch(/JWT_SECRET/);
    });
  });

  describe('DATABASE_URL', () => {
    it('reads sqlite:<absolute path>', () => {
      const file = path.resolve('/tmp/chat-service-config-test/chat.db');
      expect(loadConfig({ DATABASE_URL: `sqlite:${file}` }).storage).toEqual({ kind: 'sqlite', path: file });
    });

    it('resolves a relative sqlite path against the working directory', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite:var/db/chat.sqlite' }).storage).toEqual({
        kind: 'sqlite',
        path: path.resolve('var/db/chat.sqlite'),
      });
    });

    it('refuses sqlite: without a path', () => {
      expect(configErrorOf({ DATABASE_URL: 'sqlite:' })).toMatch(/sqlite:<path>/);
    });

    it.each(['postgres://chat:pw@127.0.0.1:5432/chat', 'postgresql://127.0.0.1/chat'])(
      'chooses PostgreSQL for %s, keeping the URL as given',
      (url) => {
        expect(loadConfig({ DATABASE_URL: url }).storage).toEqual({ kind: 'postgres', url });
      },
    );

    it('refuses an unknown scheme with a message naming DATABASE_URL', () => {
      expect(configErrorOf({ DATABASE_URL: 'mysql://127.0.0.1/chat' })).toMatch(/DATABASE_URL/);
    });
  });

  describe('REDIS_URL', () => {
    it('is off by default: one node, in-process presence, typing and rate limits', () => {
      expect(loadConfig({}).redisUrl).toBeUndefined();
    });

    it('reads redis:// and rediss:// URLs', () => {
      expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
      expect(loadConfig({ REDIS_URL: 'rediss://cache.example:6380' }).redisUrl).toBe(
        'rediss://cache.example:6380',
      );
    });

    it('refuses a URL of another scheme, naming REDIS_URL', () => {
      expect(configErrorOf({ REDIS_URL: 'http://127.0.0.1:6379' })).toMatch(/REDIS_URL/);
    });

    it('counts a silent node offline after 30 s by default, configurable', () => {
      expect(loadConfig({}).presenceTtlMs).toBe(30_000);
      expect(loadConfig({ PRESENCE_TTL_MS: '5000' }).presenceTtlMs).toBe(5000);
    });
  });

  describe('Socket.IO Admin UI', () => {
    it('is off by default', () => {
      expect(loadConfig({}).adminUi).toEqual({ enabled: false });
    });

    it('needs credentials when turned on', () => {
      expect(configErrorOf({ ADMIN_UI: 'true' })).toMatch(/ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD/);
      expect(
        loadConfig({ ADMIN_UI: 'true', ADMIN_UI_USERNAME: 'ops', ADMIN_UI_PASSWORD: 'long-password' })
          .adminUi,
      ).toEqual({ enabled: true, username: 'ops', password: 'long-password' });
    });
  });

  describe('CORS_ORIGINS', () => {
    it.each<[string, string[] | true]>([
      ['', []],
      ['https://a.example', ['https://a.example']],
      ['https://a.example,https://b.example', ['https://a.example', 'https://b.example']],
      [' https://a.example , , https://b.example ', ['https://a.example', 'https://b.example']],
      ['*', true],
      ['https://a.example,*', true],
      ['http://localhost:5173,http://[::1]:8080', ['http://localhost:5173', 'http://[::1]:8080']],
      // Written as a browser sends its Origin header, since the comparison is of strings.
      ['https://App.Example:443', ['https://app.example']],
      ['capacitor://localhost', ['capacitor://localhost']],
    ])('parses %j', (value, expected) => {
      expect(loadConfig({ CORS_ORIGINS: value }).corsOrigins).toEqual(expected);
    });

    it.each([
      'notaurl',
      'app.example.com',
      'https://a.example/',
      'https://a.example/app',
      'https://a.example?x=1',
      'https://user@a.example',
      'https://',
      'https://a.example,*,typo',
    ])('refuses %j, naming CORS_ORIGINS and the entry', (value) => {
      const message = configErrorOf({ CORS_ORIGINS: value });
      expect(message).toMatch(/CORS_ORIGINS/);
      expect(message).toMatch(/is not an origin/);
      expect(message).toContain(JSON.stringify(value.split(',').pop()));
    });
  });
});

describe('.env.example', () => {
  const example = parseEnv(readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8'));

  it('is a valid configuration as shipped', () => {
    expect(() => loadConfig(example)).not.toThrow();
  });

  it('names every variable the server reads', () => {
    const source = readFileSync(path.join(__dirname, '..', '..', 'server', 'config', 'env.ts'), 'utf8');
    const read = [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]);
    expect(read.length).toBeGreaterThan(30);
    expect(read.filter((name) => name !== undefined && !(name in example))).toEqual([]);
  });
});
