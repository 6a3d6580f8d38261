import {
  decide,
  probeServices,
  SERVICES_ENV,
  testServiceSettings,
  decodeServices,
  encodeServices,
} from './services';

/**
 * Jest's globalSetup: finds out once per run which test services answer, and hands the answer to
 * every test file through CHAT_TEST_SERVICES (the workers inherit this process's environment).
 * Under `npm test` (scripts/test-run.ts) the script has probed already and reports the skips at the
 * end; under a bare `jest` this prints them, one line per skipped group, before the tests start.
 */
export default async function globalSetup(): Promise<void> {
  const handed = process.env[SERVICES_ENV];
  if (handed) {
    decodeServices(handed); // a malformed value fails here, once, rather than in every file
    return;
  }
  const probes = await probeServices(testServiceSettings());
  const decision = decide(probes, {
    requireAll: process.env.CHAT_TEST_REQUIRE_ALL === '1',
    postgresPass: false,
    testStore: process.env.TEST_STORE,
  });
  if (!decision.ok) throw new Error(decision.failure);
  for (const line of decision.skipLines) process.stderr.write(`${line}\n`);
  process.env[SERVICES_ENV] = encodeServices(probes);
}
