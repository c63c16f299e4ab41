// replay() on random traces of every registered design: every return
// checked (`?` matches anything), the stated verdict or outcome judged,
// every property observed at the step that first shows it; retarget()
// and fill(); the step layout's worst case; diff.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { designs, findDesign } from '../../model/designs.js';
import { type Action, actionKinds, defaultConfig, type Ret } from '../../model/vocabulary.js';
import { catalogue, findProperty } from '../../properties/catalogue.js';
import { defaultSeed } from '../../properties/defaults.js';
import { evaluate, fromList } from '../../properties/evaluate.js';
import { parseTrace, parseTraceDetailed } from '../../trace/parse.js';
import { printTrace, stepLines } from '../../trace/print.js';
import { fill, outcomeOf, replay, retarget, runActions } from '../../trace/replay.js';
import type { StatedVerdict, Trace } from '../../trace/trace.js';
import { traceArb } from './support.js';

const seed = defaultSeed();

const opposite: Record<string, StatedVerdict> = { holds: 'violated', violated: 'holds', sometimes: 'never', never: 'sometimes' };

/** Does running the first `k` steps of `t` alone show `property`? */
function shows(t: Trace, k: number, property: string): boolean {
  const design = findDesign(t.design)!;
  const knobs = resolveKnobs(design, design.presets.find((p) => p.name === t.preset)!, t.overrides);
  return evaluate(design, t.config, knobs, fromList(t.steps.slice(0, k).map((s) => s.action)), [findProperty(property)!]).findings.has(property as never);
}

describe('replay', () => {
  it("reproduces every return of a run of any registered design (? matches anything); the verdict only when it is the run's", () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const r = replay(parseTraceDetailed(printTrace(t)));
        expect(r.divergence).toBeNull();
        expect(r.steps.map((s) => s.now)).toEqual(r.steps.map((s, i) => (s.stated === '?' ? s.now : t.steps[i]!.ret)));
        expect(r.unknown).toBe(t.steps.filter((s) => s.ret === '?').length);
        if (t.property === undefined) expect(r.verdict).toBeNull();
        else expect(r.reproduced).toBe(t.verdict === '?' || r.verdict!.now === t.verdict);
        // the other verdict word never reproduces; nor does a stated return that is not today's
        if (r.verdict) expect(replay({ ...t, verdict: opposite[r.verdict.now]! }).reproduced).toBe(false);
        const other: Ret = r.steps[0]!.now === '0' ? '-EBUSY' : '0';
        expect(replay({ ...t, steps: [{ ...t.steps[0]!, ret: other }, ...t.steps.slice(1)] }).divergence).toMatchObject({ step: 1, stated: other });
      }),
      { seed, numRuns: 100 },
    );
  });

  it('observes every property: its verdict on the whole run, first seen after the step a run stopping there shows it', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const r = replay(t);
        expect(r.observations.map((o) => o.property)).toEqual(catalogue.map((p) => p.id));
        for (const o of r.observations) {
          expect(o.step === null, o.property).toBe(o.verdict === 'holds' || o.verdict === 'never');
          expect(o.detail === null).toBe(o.step === null);
          if (o.step === null) continue;
          expect(shows(t, o.step, o.property), `${o.property} by step ${o.step}`).toBe(true);
          expect(shows(t, o.step - 1, o.property), `${o.property} before step ${o.step}`).toBe(false);
        }
      }),
      { seed, numRuns: 80 },
    );
  });

  it('--verbose diffs the decoded state across every step', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const r = replay(t, { verbose: true });
        expect(r.steps.every((s) => Array.isArray(s.changes))).toBe(true);
        // a step that returns a new id changes something
        for (const s of r.steps) if (/^(?:vma|mr|io|fd|p)\d/.test(s.now)) expect(s.changes!.length, s.call).toBeGreaterThan(0);
      }),
      { seed, numRuns: 50 },
    );
  });

  it("judges a scenario's outcome: the properties violated and witnessed, exactly", () => {
    fc.assert(
      fc.property(traceArb, fc.constantFrom(...catalogue), (t, extra) => {
        const now = outcomeOf(replay(t).observations);
        const { property: _p, verdict: _v, ...rest } = t;
        const unknown = { ...rest, steps: t.steps.map((s) => ({ ...s, ret: '?' as const })) };
        expect(replay(unknown, { outcome: now }).reproduced).toBe(true);
        const key = extra.kind === 'capability' ? 'witnesses' : 'violates';
        const toggled = now[key].includes(extra.id) ? now[key].filter((id) => id !== extra.id) : [...now[key], extra.id];
        expect(replay(unknown, { outcome: { ...now, [key]: toggled } }).reproduced).toBe(false);
      }),
      { seed, numRuns: 60 },
    );
  });
});

describe('retarget and fill', () => {
  it('another design and preset: the steps run there, the stated returns and verdict judged there', () => {
    fc.assert(
      fc.property(traceArb, fc.constantFrom(...designs), fc.nat(), (t, design, pick) => {
        const preset = design.presets[pick % design.presets.length]!;
        const moved = retarget(t, { design, preset });
        expect(moved).toMatchObject({ design: design.id, preset: preset.name, overrides: {}, command: '', steps: t.steps, config: t.config });
        const r = replay(moved);
        const direct = runActions(design, t.config, resolveKnobs(design, preset), t.steps.map((s) => s.action));
        expect(r.steps.map((s) => s.now)).toEqual(direct.steps.map((s) => s.ret));
        expect(r.observations).toEqual(direct.observations);
      }),
      { seed, numRuns: 60 },
    );
  });

  it('knobs alone go on top of the trace\'s own overrides; with a preset they replace them', () => {
    const design = findDesign('struct-page')!;
    const t = { ...parseTrace(printTrace({ design: 'struct-page', preset: 'mainline', overrides: { gup_p2pdma_gate: 'off' }, config: defaultConfig, detail: '', steps: [{ action: { kind: 'proc_fork', proc: 0 }, ret: 'p1' }], links: [], command: 'x' })) };
    const knob = design.knobs.find((k) => k.name !== 'gup_p2pdma_gate')!;
    expect(retarget(t, { knobs: { [knob.name]: knob.values[0]! } }).overrides).toEqual({ gup_p2pdma_gate: 'off', [knob.name]: knob.values[0] });
    expect(retarget(t, { preset: design.presets[1]!, knobs: { [knob.name]: knob.values[0]! } }).overrides).toEqual({ [knob.name]: knob.values[0] });
    expect(retarget(t, {})).toBe(t);
  });

  it('fill: every return, the verdict and its detail as the model gives them; the result replays, no unknowns, and reads back', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const r = replay(t);
        const filled = fill(r);
        expect(filled.steps.map((s) => s.ret)).toEqual(r.steps.map((s) => s.now));
        const again = replay(parseTraceDetailed(printTrace(filled)));
        expect(again.reproduced).toBe(true);
        expect(again.unknown).toBe(0);
        if (t.property === undefined) {
          expect(filled.property).toBeUndefined();
          return;
        }
        const seen = r.observations.find((o) => o.property === t.property)!;
        expect(filled).toMatchObject({ property: t.property, verdict: seen.verdict, detail: seen.detail ?? '' });
        expect(filled.links.length).toBeGreaterThan(0);
      }),
      { seed, numRuns: 80 },
    );
  });
});

describe('step layout', () => {
  it('the widest step the default config can produce fits 72 columns', () => {
    const big = 9999;
    const all: Action[] = [
      { kind: 'proc_mmap', proc: big, exporter: 0, pages: big, shared: false, offset: big },
      { kind: 'proc_mmap_start', proc: big, exporter: 0, pages: big, shared: false, offset: big },
      { kind: 'proc_mmap_link', proc: big, vma: big },
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
    const t: Trace = { design: designs[0]!.id, preset: designs[0]!.presets[0]!.name, overrides: {}, config: defaultConfig, detail: '', steps, links: [], command: '' };
    const lines = stepLines(t);
    expect(lines.length).toBeGreaterThanOrEqual(999);
    expect(lines.every((l) => l.length <= 72)).toBe(true);
    expect(parseTrace(printTrace(t))).toStrictEqual(t);
  });

  it('the same through the runs of every design: replay reads them back', () => {
    const actions = [{ kind: 'proc_mmap', proc: 0, exporter: 0, pages: 1, shared: true, offset: 0 }, { kind: 'proc_fork', proc: 0 }] as const;
    for (const design of designs) {
      const run = runActions(design, defaultConfig, resolveKnobs(design, design.presets[0]!), actions);
      expect(run.steps.map((s) => s.action)).toEqual(actions);
    }
  });
});
