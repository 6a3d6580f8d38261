import { decodeServices, SERVICES_ENV, testServiceSettings, type Service } from '../setup/services';

/**
 * Suites that need a service beyond npm (PostgreSQL, Redis, Chromium) declare it here, and are
 * skipped (reported as skipped by Jest, never as passed) when tests/setup/global-setup.ts found it
 * missing; the run then prints one line per skipped group, and CHAT_TEST_REQUIRE_ALL=1 fails it.
 */

export { testServiceSettings, type Service };

/** Where the tests find their services: TEST_DATABASE_URL, TEST_REDIS_URL, CHROMIUM_PATH or the defaults. */
export const settings = testServiceSettings();

/**
 * Whether `service` answered when the run started. Without a probe (Jest run with some other
 * config) every service counts as present: a missing one then fails its suites loudly rather than
 * skipping them unseen.
 */
export function isUp(service: Service): boolean {
  const handed = process.env[SERVICES_ENV];
  return handed === undefined || decodeServices(handed).has(service);
}

export interface Gated {
  describe: jest.Describe;
  test: jest.It;
  it: jest.It;
}

/**
 * Jest's `describe`, `test` and `it` for tests that need every one of `services`, or their `.skip`
 * when one is missing. Jest runs no beforeAll/afterAll of a block whose tests are all skipped, so a
 * file whose every test needs a service can shadow the globals at its top:
 * `const { test } = needs('chromium');`.
 */
export function needs(...services: Service[]): Gated {
  if (services.every(isUp)) return { describe, test, it };
  return { describe: describe.skip, test: test.skip, it: it.skip };
}
