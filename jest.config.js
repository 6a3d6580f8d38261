/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is `npm run typecheck`'s job; tests are transpiled only, which keeps them fast.
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  // nanoid 5 and jose 6 ship ESM only: let ts-jest transpile them to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(nanoid|jose)/)'],
  moduleNameMapper: {
    // The contract package (the `shared/` workspace) from its sources: no build needed to test.
    '^chat-service-contract$': '<rootDir>/shared/index.ts',
    '^chat-service-contract/client$': '<rootDir>/shared/client/index.ts',
  },
  testTimeout: 20000,
  // Probes PostgreSQL, Redis and Chromium once per run; suites that need a missing one are skipped
  // (tests/helpers/services.ts), or the run fails when CHAT_TEST_REQUIRE_ALL=1.
  globalSetup: '<rootDir>/tests/setup/global-setup.ts',
};
