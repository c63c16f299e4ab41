// replay() on random traces of every registered design, and the step
// layout's worst case.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { type Action, actionKinds, defaultConfig, type Ret } from '../../model/vocabulary.js';
import { diff, showChange } from '../../trace/diff.js';
import { parseTrace, parseTraceDetailed } from '../../trace/parse.js';
import { printTrace, stepLines } from '../../trace/print.js';
import { replay } from '../../trace/replay.js';
import type { Trace } from '../../trace/trace.js';
import { traceArb } from './support.js';

describe('replay', () => {
  it('reproduces every return of a run of any registered design; the verdict only when it is the run\'s', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const r = replay(parseTraceDetailed(printTrace(t)));
        expect(r.divergence).toBeNull();
        expect(r.steps.map((s) => s.now)).toEqual(t.steps.map((s) => s.ret));
        expect(r.reproduced).toBe(r.verdict.now === t.verdict);
        // the other verdict word never reproduces
        const other = replay({ ...t, verdict: r.verdict.now === t.verdict ? flip(t.verdict) : t.verdict });
        expect(other.reproduced).toBe(false);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('--verbose diffs cover every step', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const r = replay(t, { verbose: true });
        expect(r.steps.every((s) => Array.isArray(s.changes))).toBe(true);
      }),
      { seed: 42, numRuns: 50 },
    );
  });
});

const opposite: Record<Trace['verdict'], Trace['verdict']> = {
  holds: 'violated',
  violated: 'holds',
  sometimes: 'never',
  never: 'sometimes',
};
const flip = (v: Trace['verdict']) => opposite[v];

describe('step layout', () => {
  it('the widest step the default config can produce fits 72 columns unfolded', () => {
    const big = 9999;
    const all: Action[] = [
      { kind: 'proc_mmap', proc: big, exporter: 0, pages: big, shared: false, offset: big },
      { kind: 'proc_munmap', proc: big, vma: big },
      { kind: 'proc_fork', proc: big },
      { kind: 'proc_exit', proc: big },
      { kind: 'proc_touch', proc: big, vma: big, page: big },
      { kind: 'proc_odirect', proc: big, importer: 1, vma: big, page: big, read: false },
      { kind: 'proc_kernel_copy', proc: big, vma: big, page: big },
      { kind: 'proc_reg_mr', proc: big, importer: 3, vma: big, odp: true },
      { kind: 'proc_dereg_mr', proc: big, mr: big },
      { kind: 'proc_vfio_dma_buf', proc: big, exporter: 0, page: big, pages: big },
      { kind: 'proc_prime_export', proc: big, vma: big },
      { kind: 'proc_reg_dmabuf_mr', proc: big, importer: 3, fd: big, odp: true },
      { kind: 'proc_bind_rx', proc: big, importer: 3, fd: big },
      { kind: 'proc_close', proc: big, fd: big },
      { kind: 'dev_io_dma', importer: 1, io: big },
      { kind: 'dev_io_complete', importer: 1, io: big },
      { kind: 'dev_mr_dma', importer: 3, mr: big, page: big },
      { kind: 'importer_ack_invalidate', importer: 3, mr: big },
      { kind: 'exporter_evict', exporter: 0, alloc: big },
      { kind: 'exporter_evict_finish', exporter: 0, alloc: big },
      { kind: 'exporter_unbind', exporter: 0 },
      { kind: 'exporter_unbind_finish', exporter: 0 },
      { kind: 'exporter_memory', exporter: 0, on: false },
      { kind: 'exporter_reset', exporter: 0 },
      { kind: 'exporter_restore', exporter: 0, alloc: big },
      { kind: 'inject_insert_fail', nth: big },
    ];
    expect(new Set(all.map((a) => a.kind))).toEqual(new Set(actionKinds));
    const rets: Ret[] = ['-EOPNOTSUPP', `vma${big}`, 'SIGSEGV'];
    // 999 steps: the widest step number a trace will have
    const steps = Array.from({ length: 999 }, (_, i) => ({ action: all[i % all.length]!, ret: rets[i % rets.length]! }));
    const t: Trace = {
      design: designs[0]!.id,
      preset: designs[0]!.presets[0]!.name,
      overrides: {},
      config: defaultConfig,
      property: 'p2p-dma',
      verdict: 'never',
      detail: '',
      steps,
      links: [],
      command: '',
    };
    const lines = stepLines(t);
    expect(lines).toHaveLength(999);
    expect(lines.every((l) => l.length <= 72 && l.includes(' -> '))).toBe(true);
    expect(parseTrace(printTrace(t))).toStrictEqual(t);
  });
});

describe('diff', () => {
  it('names only the paths that changed', () => {
    const before = { a: 1, b: [1, 2], c: { d: null, e: 'x' }, f: [{ g: 1 }] };
    const after = { a: 1, b: [1, 3, 4], c: { d: 0, e: 'x' }, f: [] };
    expect(diff(before, after).map(showChange)).toEqual([
      'b[1]: 2 -> 3',
      'b[2]: + 4',
      'c.d: null -> 0',
      'f[0]: - {"g":1}',
    ]);
    expect(diff(before, structuredClone(before))).toEqual([]);
  });
});
