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
    '^chat-service/shared$': '<rootDir>/shared/index.ts',
    '^chat-service/shared/client$': '<rootDir>/shared/client/index.ts',
  },
  testTimeout: 20000,
};
