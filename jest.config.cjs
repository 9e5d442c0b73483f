// Four tiers, named by file suffix: unit (pure code), int (real embedded store, in-process bus,
// HTTP against the embedded platform), browser (the dashboard in a real browser), e2e (the four
// services over a real Kafka broker).
const { pathsToModuleNameMapper } = require('./scripts/jest/paths.cjs');

const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
}];

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: pathsToModuleNameMapper(),
  setupFiles: ['reflect-metadata'],
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['**/*.int.spec.ts'] },
    // The ops dashboard in Debian's chromium (/usr/bin/chromium) driven by playwright-core;
    // scripts/test.sh installs chromium when it is missing.
    { ...base, displayName: 'browser', testMatch: ['**/*.browser.spec.ts'] },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/scripts/jest/kafka-global-setup.cjs',
      setupFilesAfterEnv: ['<rootDir>/scripts/jest/e2e-timeout.cjs'],
    },
  ],
};
