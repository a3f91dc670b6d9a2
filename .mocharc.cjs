// Mocha settings for `npm test` and the per-suite scripts (`npm run test:unit`,
// `test:integration`, `test:browser`, which set F2D_TEST_SUITE). Tests run as
// TypeScript through tsx.
const SUITES = {
  unit: 'test/unit/**/*.test.ts',
  integration: 'test/integration/**/*.test.ts',
  browser: 'test/browser/**/*.test.ts',
};

const suite = process.env.F2D_TEST_SUITE;
if (suite !== undefined && !(suite in SUITES)) {
  throw new Error(`F2D_TEST_SUITE=${suite}: use one of ${Object.keys(SUITES).join(', ')}`);
}
// Mocha adds files named on the command line to `spec`; `npx mocha test/unit/x.test.ts`
// should run that file alone, so the suites are left out then.
const namedFiles = process.argv.slice(2).some((a) => !a.startsWith('-') && a.endsWith('.ts'));

module.exports = {
  spec: namedFiles ? [] : suite !== undefined ? [SUITES[suite]] : Object.values(SUITES),
  'node-option': ['import=tsx'],
  timeout: 60000,
  recursive: true,
};
