// The suite Stryker runs (stryker.config.mjs): the fast tests that pin
// the model's and the judge's behaviour down, with every search inside
// an it() so coverage is per test. Not the complete searches of the
// shipped worlds (expected.test.ts, worlds.test.ts) or the random
// cross-check: too slow to run per mutant.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/model/**/*.test.ts',
      'test/properties/verdicts.test.ts',
      'test/properties/catalogue.test.ts',
      'test/properties/defaults.test.ts',
      'test/properties/arbitrary.test.ts',
      'test/properties/liveness.test.ts',
      'test/properties/explore.test.ts',
      'test/properties/matrix.test.ts',
      'test/properties/exhaustive.test.ts',
      'test/properties/exhaustive-first-hit.test.ts',
      'test/properties/arena.test.ts',
      'test/properties/tries.test.ts',
      'test/properties/backward.test.ts',
      'test/scenarios/scenarios.test.ts',
      'test/scenarios/judge.test.ts',
      'test/scenarios/format.test.ts',
    ],
    testTimeout: 60_000,
  },
});
