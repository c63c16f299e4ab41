// Mutation testing of the semantics (model/) and the judging
// (properties/): npm run mutate. It runs the fast, sharp tests of
// vitest.mutate.config.ts, only those covering each mutant.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner', './stryker.ignore.mjs'],
  ignorers: ['prose'],
  mutate: ['model/**/*.ts', 'properties/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // a mutant that makes a drain or a search loop forever is a timeout (detected)
  timeoutFactor: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // reruns reuse the verdict of every mutant whose code and tests did not change
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  // Stryker rewrites extends/references of the tsconfig it is given with
  // TypeScript's JS API, which TypeScript 7 no longer has; ours has
  // neither, so it is given none to rewrite.
  tsconfigFile: 'no-tsconfig-to-rewrite.json',
  cleanTempDir: 'always',
};
