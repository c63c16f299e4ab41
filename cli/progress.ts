// Progress of a long run on a terminal: at most ten status lines a
// second, cleared before the result.
import type { ExploreProgress } from '../properties/explore.js';
import type { Io } from './context.js';

const intervalMs = 100;

export interface StatusLine {
  /** Show `line()` unless one was shown less than 100 ms ago; built only when shown. */
  report(line: () => string): void;
  /** Erase the last line shown, if any. */
  clear(): void;
}

export function statusLine(io: Io, now: () => number = () => performance.now()): StatusLine {
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    report(line) {
      const t = now();
      if (t - last < intervalMs) return;
      last = t;
      shown = true;
      io.status(line());
    },
    clear() {
      if (shown) io.status('');
    },
  };
}

/** `run 4000/10000`, then `shrinking <property>`. */
export const searchProgress = (p: ExploreProgress) => (p.shrinking ? `shrinking ${p.shrinking}` : `run ${p.runs}/${p.of}`);
