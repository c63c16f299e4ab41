import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The files that search whole worlds, longest first. A fresh clone has no
 * timings for vitest to sort by (it starts the largest files first), and
 * a long search started last leaves the other worker idle at the end.
 */
const slowest = ['test/properties/expected.test.ts', 'test/properties/worlds.test.ts', 'test/properties/exhaustive.test.ts', 'test/cli/matrix.test.ts'];

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = slowest.findIndex((path) => f.moduleId.endsWith(path));
      return i < 0 ? slowest.length : i;
    };
    // a stable sort: the rest keep vitest's order
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // both cores: the complete searches dominate, one file per worker
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    sequence: { sequencer: SlowestFirst },
  },
});
