// Two projects: fast unit tests next to the code (mocks allowed), and integration tests under
// test/ that start real processes (nats-server, Java simulators, emulators) and run one file at a time.
const moduleNameMapper = {
  '^@daedalus/(common|contracts|messaging|storage|jmx)$': '<rootDir>/libs/$1/src',
  '^@daedalus/(common|contracts|messaging|storage|jmx)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] };
module.exports = {
  // Per-project testTimeout is not honoured by jest 30: integration suites set their own with jest.setTimeout.
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/test/**/*.spec.ts',
        '<rootDir>/ui/src/**/*.spec.ts',
      ],
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'integration',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-setup.ts'],
    },
  ],
};
