const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  // Every temporary file of a run under one directory, removed at its end.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  // Workflow tests start their own moto_server; give them room on a 2-core machine.
  testTimeout: 60_000,
  // At least two test files at a time, even on two cores (jest's default there is one): the workflow suites wait on
  // moto_server and the local engine as much as they compute. A full run on a 2-core machine: 525 s against 865 s.
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  // The suites that take minutes start first, cache or no cache, so that no run ends waiting for one alone.
  testSequencer: '<rootDir>/test/support/sequencer.js',
};
