// Liveness as bounded progress (properties/liveness.ts) and the fold
// that judges a run (properties/evaluate.ts), on hand-picked states of
// both designs: which steps a drain takes, where it gets stuck, and the
// exact detail and tail it reports.
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { findDesign } from '../../model/designs.js';
import { formatAction } from '../../model/format.js';
import { type Action, defaultConfig, type TraceStep } from '../../model/vocabulary.js';
import { findProperty, type Property, type PropertyId } from '../../properties/catalogue.js';
import { evaluate, fromList } from '../../properties/evaluate.js';
import { drain, drainOnce, evictStuck, goalStuck, leftBehind, unbindStuck } from '../../properties/liveness.js';
import { evict, fork, injectInsertFail, kernelCopy, mmap, mmapStart, mrDma, munmap, pread, regMr, unbind } from '../actions.js';
import { bytesOf } from '../model/run.js';

/** The state `actions` reach; `preset` may carry knobs on top: `rfc-2019 revoke_fence=deferred`. */
function at(designId: string, preset: string, actions: readonly Action[]) {
  const design = findDesign(designId)!;
  const [name, ...overrides] = preset.split(' ');
  const knobs = { ...resolveKnobs(design, design.presets.find((p) => p.name === name)!), ...Object.fromEntries(overrides.map((o) => o.split('='))) };
  let state = design.init(defaultConfig, knobs);
  for (const a of actions) state = design.step(state, a).state;
  return { design, state, knobs };
}

const shown = (steps: readonly TraceStep[]) => steps.map((s) => `${formatAction(s.action, defaultConfig)} -> ${s.ret}`);

describe('drain: kernel and device steps that discharge an obligation, until none succeeds', () => {
  it.each<[string, string, Action[], number, string[]]>([
    ['struct-page', 'mainline', [mmap(), pread(), unbind()], 2, ['nvme0: complete(io0) -> 0', 'e0: unbind_finish() -> 0']],
    ['struct-page', 'mainline', [mmap(), pread(), evict()], 2, ['nvme0: complete(io0) -> 0', 'e0: evict_finish(a0) -> 0']],
    ['vma-p2p', 'rfc-2019 revoke_fence=deferred', [mmap(), regMr(), mrDma(), evict()], 2, ['nic0: ack_invalidate(mr0) -> 0', 'e0: evict_finish(a0) -> 0']],
    ['vma-p2p', 'rfc-2019 revoke_fence=deferred', [mmap(), regMr(), mrDma(), unbind()], 2, ['nic0: ack_invalidate(mr0) -> 0', 'e0: unbind_finish() -> 0']],
    ['vma-p2p', 'rfc-2019', [mmap(), regMr(), mrDma(), evict()], 1, ['e0: evict_finish(a0) -> 0']],
    ['struct-page', 'lsfmm-2020', [mmap(), regMr(0, { odp: false }), unbind()], 1, []],
    ['vma-p2p', 'legacy-importer', [mmap(), regMr(), mrDma(), evict()], 1, []],
    ['struct-page', 'mainline', [mmap(), pread()], 1, ['nvme0: complete(io0) -> 0']],
    ['struct-page', 'mainline', [mmap()], 0, []],
  ])('%s %s, case %#', (designId, preset, actions, obligations, steps) => {
    const { design, state } = at(designId, preset, actions);
    expect(design.view(state).obligations).toBe(obligations);
    const d = drain(design, state);
    expect(shown(d.steps)).toEqual(steps);
    expect(design.view(d.state).obligations).toBe(obligations - steps.length);
    if (steps.length === 0) expect(d.state).toBe(state);
  });
});

describe('unbindStuck, evictStuck, leftBehind', () => {
  const pinnedHeld = 'e0: pgmap_ref 1, 1 above base; e0 page 0: still allocated to a0';
  const p2pHeld = 'p2p_map of a0 (e0 page 0) to nic0 never p2p_unmapped; e0 page 0: still allocated to a0; a0: object still allocated (bar)';

  it('a long-term pin keeps unbind from finishing (struct-page lsfmm-2020)', () => {
    const { design, state } = at('struct-page', 'lsfmm-2020', [mmap(), regMr(0, { odp: false }), unbind()]);
    const stuck = unbindStuck(design, state)!;
    expect(stuck.detail).toBe(`unbind of exporter 0 waits on user space: ${pinnedHeld}`);
    expect(shown(stuck.tail)).toEqual(['e0: unbind_finish() -> -EBUSY']);
    expect(design.view(stuck.state).exporters[0]!.driver).toBe('unbinding');
    expect(evictStuck(design, state)).toBeNull();
  });

  it('... and eviction (struct-page lsfmm-2020)', () => {
    const { design, state } = at('struct-page', 'lsfmm-2020', [mmap(), regMr(0, { odp: false }), evict()]);
    const stuck = evictStuck(design, state)!;
    expect(stuck.detail).toBe('eviction of a0 waits on user space: e0: pgmap_ref 3, 1 above base; e0 page 0: still allocated to a0');
    expect(shown(stuck.tail)).toEqual(['e0: evict_finish(a0) -> -EBUSY']);
    expect(unbindStuck(design, state)).toBeNull();
  });

  it('an importer that ignores invalidation keeps unbind and eviction waiting (vma-p2p legacy-importer)', () => {
    const u = at('vma-p2p', 'legacy-importer', [mmap(), regMr(), mrDma(), unbind()]);
    expect(unbindStuck(u.design, u.state)?.detail).toBe(`unbind of exporter 0 waits on user space: ${p2pHeld}`);
    const e = at('vma-p2p', 'legacy-importer', [mmap(), regMr(), mrDma(), evict()]);
    expect(evictStuck(e.design, e.state)?.detail).toBe(`eviction of a0 waits on user space: ${p2pHeld}`);
    expect(shown(evictStuck(e.design, e.state)!.tail)).toEqual(['e0: evict_finish(a0) -> -EBUSY']);
  });

  it('nothing started, or a drain that finishes: not stuck; the tail starts with the drain', () => {
    for (const [designId, preset, actions] of [
      ['struct-page', 'mainline', [mmap(), pread(), unbind()]],
      ['struct-page', 'mainline', [mmap(), pread(), evict()]],
      ['vma-p2p', 'rfc-2019', [mmap(), regMr(), mrDma(), evict()]],
      ['struct-page', 'lsfmm-2020', [mmap(), regMr(0, { odp: false })]],
    ] as const) {
      const { design, state } = at(designId, preset, actions);
      expect(unbindStuck(design, state), `${preset} ${actions.length}`).toBeNull();
      expect(evictStuck(design, state), `${preset} ${actions.length}`).toBeNull();
    }
  });

  it('a leaked pgmap ref survives every exit (struct-page bug-insert-leak); a clean world leaves nothing', () => {
    const leak = at('struct-page', 'bug-insert-leak', [injectInsertFail(), mmap()]);
    const left = leftBehind(leak.design, leak.state)!;
    expect(left.detail).toBe('after exit and drain: e0: pgmap_ref 3, 1 above base');
    expect(shown(left.tail)).toEqual(['p0: exit() -> 0']);
    for (const [designId, preset, actions] of [
      ['struct-page', 'mainline', [mmap()]],
      ['struct-page', 'lsfmm-2020', [mmap(), regMr(0, { odp: false }), unbind()]],
      ['vma-p2p', 'legacy-importer', [mmap(), regMr(), mrDma()]],
    ] as const) {
      const { design, state } = at(designId, preset, actions);
      expect(leftBehind(design, state), preset).toBeNull();
    }
  });

  it('leftBehind exits every live process, then drains', () => {
    // p1's copy of vma0 is unmapped first: one VMA per process in the default world
    const { design, state } = at('struct-page', 'bug-insert-leak', [mmap(), fork(), pread(), injectInsertFail(), munmap(0, 1), mmap(1, { proc: 1 })]);
    expect(shown(leftBehind(design, state)!.tail)).toEqual(['p0: exit() -> 0', 'p1: exit() -> 0', 'nvme0: complete(io0) -> 0']);
  });

  it('leftBehind lets an mmap in flight link first: its task cannot exit before', () => {
    const { design, state } = at('struct-page', 'bug-insert-leak', [fork(), mmapStart(), injectInsertFail(), mmap(1, { proc: 1 })]);
    expect(design.step(state, { kind: 'proc_exit', proc: 0 }).ret).toBe('-EBUSY');
    expect(shown(leftBehind(design, state)!.tail)).toEqual(['p0: mmap_link(vma0) -> 0', 'p0: exit() -> 0', 'p1: exit() -> 0']);
  });
});

describe('goalStuck and drainOnce', () => {
  it('each goal is judged by its own check', () => {
    const { design, state } = at('struct-page', 'lsfmm-2020', [mmap(), regMr(0, { odp: false }), unbind()]);
    // states compare by their bytes: two runs carve theirs from different places
    const seen = (x: ReturnType<typeof unbindStuck>) => x && { detail: x.detail, tail: shown(x.tail), state: bytesOf(x.state) };
    expect(seen(goalStuck(design, state, 'unbind'))).toEqual(seen(unbindStuck(design, state)));
    expect(goalStuck(design, state, 'evict')).toBeNull();
    expect(goalStuck(design, state, 'clean')).toBeNull();
    const leak = at('struct-page', 'bug-insert-leak', [injectInsertFail(), mmap()]);
    expect(seen(goalStuck(leak.design, leak.state, 'clean'))).toEqual(seen(leftBehind(leak.design, leak.state)));
    expect(goalStuck(leak.design, leak.state, 'unbind')).toBeNull();
  });

  it('drains a state once however many goals ask', () => {
    const { design, state } = at('struct-page', 'mainline', [mmap(), pread(), unbind()]);
    const once = drainOnce(design, state);
    const first = once();
    expect(once()).toBe(first);
    expect(shown(first.steps)).toEqual(shown(drain(design, state).steps));
  });
});

describe('evaluate', () => {
  const sp = at('struct-page', 'lsfmm-2020', []);
  const p = (id: PropertyId) => findProperty(id)!;
  const run = (actions: readonly Action[], wanted: readonly Property[], preset = 'lsfmm-2020') => {
    const { design, knobs } = at('struct-page', preset, []);
    return evaluate(design, defaultConfig, knobs, fromList(actions), wanted);
  };

  it('runs every step when nothing is wanted or toEnd; else stops at the step that gives the last wanted finding', () => {
    expect(run([mmap(), kernelCopy(), kernelCopy(), unbind()], []).steps).toHaveLength(4);
    const { design, knobs } = at('struct-page', 'lsfmm-2020', []);
    const whole = evaluate(design, defaultConfig, knobs, fromList([mmap(), kernelCopy(), kernelCopy(), unbind()]), [p('no-kernel-cpu-access')], { toEnd: true });
    expect(whole.steps).toHaveLength(4);
    expect(whole.findings.get('no-kernel-cpu-access')!.steps).toHaveLength(2);
    const r = run([mmap(), kernelCopy(), kernelCopy(), unbind()], [p('no-kernel-cpu-access')]);
    expect(shown(r.steps)).toEqual(['p0: mmap(e0, 1, MAP_SHARED, 0) -> vma0', 'p0: process_vm_readv(vma0, 0) -> 0']);
    expect(r.findings.get('no-kernel-cpu-access')).toEqual({
      property: 'no-kernel-cpu-access',
      detail: 'kernel kmap+memcpy of e0 page 0',
      steps: r.steps,
    });
    const both = run([mmap(), kernelCopy(), regMr(0, { odp: false }), unbind(), kernelCopy(), kernelCopy()], [p('no-kernel-cpu-access'), p('unbind-completes')]);
    expect(both.steps).toHaveLength(4);
    expect([...both.findings.keys()]).toEqual(['no-kernel-cpu-access', 'unbind-completes']);
  });

  it('the leak check runs once the run is over, for no-leak alone', () => {
    const leaky: Action[] = [injectInsertFail(), mmap()];
    const r = run(leaky, [p('dma-to-live-allocation'), p('unbind-completes'), p('no-leak')], 'bug-insert-leak');
    expect([...r.findings.keys()]).toEqual(['no-leak']);
    expect(r.findings.get('no-leak')!.detail).toBe('after exit and drain: e0: pgmap_ref 3, 1 above base');
  });

  it('a capability is witnessed; a liveness finding ends with its drain tail', () => {
    const r = run([mmap(), regMr(0, { odp: false }), mrDma(), unbind()], [p('rdma-mr-on-bar'), p('unbind-completes')]);
    expect(r.findings.get('rdma-mr-on-bar')).toEqual({ property: 'rdma-mr-on-bar', detail: 'witnessed', steps: r.steps.slice(0, 3) });
    const u = r.findings.get('unbind-completes')!;
    expect(shown(u.steps).slice(3)).toEqual(['e0: unbind() -> 0', 'e0: unbind_finish() -> -EBUSY']);
    expect(u.detail).toMatch(/^unbind of exporter 0 waits on user space: /);
  });

  it('no-leak is judged once, after the last step, with the exits and drain as its tail', () => {
    const r = run([injectInsertFail(), mmap(), mmap()], [p('no-leak')], 'bug-insert-leak');
    expect(shown(r.steps)).toEqual(['fault: fail_vm_insert_page(0) -> 0', 'p0: mmap(e0, 1, MAP_SHARED, 0) -> -ENOMEM', 'p0: mmap(e0, 1, MAP_SHARED, 0) -> vma0']);
    expect(shown(r.findings.get('no-leak')!.steps)).toEqual([...shown(r.steps), 'p0: exit() -> 0']);
    expect(run([mmap()], [p('no-leak')], 'mainline').findings.size).toBe(0);
  });

  it('a null action is skipped; the source ends at undefined', () => {
    const source = (_s: unknown, i: number) => [null, mmap(), null, kernelCopy()][i];
    const r = evaluate(sp.design, defaultConfig, sp.knobs, source, []);
    expect(shown(r.steps)).toEqual(['p0: mmap(e0, 1, MAP_SHARED, 0) -> vma0', 'p0: process_vm_readv(vma0, 0) -> 0']);
    const only = mmap();
    expect(fromList([only])(undefined, 0)).toBe(only);
    expect(fromList([only])(undefined, 1)).toBeUndefined();
  });
});
