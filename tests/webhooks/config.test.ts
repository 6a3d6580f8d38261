import { ConfigError, loadConfig } from '../../server/config/env';

/** The WEBHOOK_* settings: defaults, the allowlist's parsing, and the combinations refused at start-up. */

const messageOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the configuration was accepted');
};

test('defaults: nothing allowed, 10 s attempts, 5 s base, 1 h cap, 8 attempts, 500 ms polls, 15 s lease', () => {
  expect(loadConfig({}).webhooks).toEqual({
    allowedHosts: { names: [], ranges: [] },
    timeoutMs: 10_000,
    retryBaseMs: 5_000,
    retryMaxMs: 3_600_000,
    maxAttempts: 8,
    pollMs: 500,
    leaseMs: 15_000,
  });
});

test('WEBHOOK_ALLOWED_HOSTS: names, addresses and subnets; anything else stops the server, named', () => {
  expect(
    loadConfig({ WEBHOOK_ALLOWED_HOSTS: 'hooks.internal,127.0.0.1,fd00::/8' }).webhooks.allowedHosts,
  ).toEqual({
    names: ['hooks.internal'],
    ranges: [
      { address: '127.0.0.1', prefix: 32, family: 'ipv4' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
    ],
  });
  const message = messageOf({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,http://x.example/,10.0.0.0/40' });
  expect(message).toMatch(/WEBHOOK_ALLOWED_HOSTS: "http:\/\/x.example\/" is neither/);
  expect(message).toMatch(/WEBHOOK_ALLOWED_HOSTS: "10.0.0.0\/40" is neither/);
});

test.each([
  [{ WEBHOOK_RETRY_BASE_MS: '10000', WEBHOOK_RETRY_MAX_MS: '5000' }, /WEBHOOK_RETRY_BASE_MS must not exceed/],
  [{ WEBHOOK_POLL_MS: '1000', WEBHOOK_LEASE_MS: '2000' }, /at least three times WEBHOOK_POLL_MS/],
  [{ WEBHOOK_MAX_ATTEMPTS: '0' }, /WEBHOOK_MAX_ATTEMPTS/],
  [{ WEBHOOK_TIMEOUT_MS: '600000' }, /WEBHOOK_TIMEOUT_MS/],
])('%j is refused', (env, expected) => {
  expect(messageOf(env)).toMatch(expected);
});
