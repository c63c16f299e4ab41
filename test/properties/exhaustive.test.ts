// properties/exhaustive.ts: the complete search: depth and state bounds,
// progress, coverage, shortest findings walked from the real initial
// state, which properties it judges where, on searches small enough to
// run per test.
import { describe, expect, it } from 'vitest';
import { type DesignId, resolveKnobs } from '../../model/design.js';
import { designs, findDesign } from '../../model/designs.js';
import { formatAction } from '../../model/format.js';
import type { State } from '../../model/state.js';
import { actionKinds, type Config, defaultConfig, isFailure, type TraceStep } from '../../model/vocabulary.js';
import { catalogue } from '../../properties/catalogue.js';
import { checkExhaustive, walker } from '../../properties/exhaustive.js';
import { Arena } from '../../properties/arena.js';
import { expected } from '../../properties/expected.js';
import { progressKinds } from '../../properties/liveness.js';
import { loadWorld } from '../../worlds/load.js';
import { mmap, munmap } from '../actions.js';

const structPage = findDesign('struct-page')!;
const vmaP2p = findDesign('vma-p2p')!;
const shown = (steps: readonly TraceStep[], config: Config = defaultConfig) => steps.map((s) => `${formatAction(s.action, config)} -> ${s.ret}`);

describe('checkExhaustive', () => {
  const cell = (designId: DesignId, presetName: string) => {
    const design = findDesign(designId)!;
    return { design, knobs: resolveKnobs(design, design.presets.find((p) => p.name === presetName)!), want: expected[designId][presetName]! };
  };
  const check = (preset: string, depth: number | undefined, more: Partial<Parameters<typeof checkExhaustive>[3]> = {}) =>
    checkExhaustive(structPage, defaultConfig, resolveKnobs(structPage, structPage.presets.find((p) => p.name === preset)!), {
      ...(depth === undefined ? {} : { depth }),
      symmetry: true,
      ...more,
    });
  const verdicts = (r: ReturnType<typeof check>) => Object.fromEntries(r.results.map((x) => [x.property, x.verdict]));

  // bug-insert-leak: unbind stuck, eviction fine, leak; legacy-importer: unbind and eviction stuck, no leak
  it.each<[DesignId, string]>([
    ['struct-page', 'bug-insert-leak'],
    ['vma-p2p', 'legacy-importer'],
  ])('each liveness goal is judged by its own check (%s/%s)', (designId, presetName) => {
    const { design, knobs, want } = cell(designId, presetName);
    for (const property of ['unbind-completes', 'evict-completes', 'no-leak'] as const) {
      const r = checkExhaustive(design, defaultConfig, knobs, { depth: 5, symmetry: true, properties: [property] });
      expect(r.results.map((x) => x.verdict), property).toEqual([want[property]!.verdict]);
    }
  });

  // a liveness finding also carries its drain, so only the others are counted in steps
  it('every safety and capability finding is a shortest trace: one step less finds nothing', () => {
    const { design, knobs } = cell('struct-page', 'lsfmm-2020');
    const full = checkExhaustive(design, defaultConfig, knobs, { depth: 5, symmetry: true });
    const found = full.results.filter((r) => r.finding && r.kind !== 'liveness');
    expect(found.length).toBeGreaterThan(4);
    for (const r of found) {
      const shorter = checkExhaustive(design, defaultConfig, knobs, { depth: r.finding!.steps.length - 1, symmetry: true, properties: [r.property] });
      expect(shorter.results[0]!.finding, r.property).toBeUndefined();
    }
  });

  it('a finding is walked from the real initial state: each step enabled where it is taken, returning what it says', () => {
    for (const [designId, preset] of [
      ['struct-page', 'lsfmm-2020'],
      ['vma-p2p', 'exporter-no-wait'],
    ] as const) {
      const { design, knobs } = cell(designId, preset);
      const r = checkExhaustive(design, defaultConfig, knobs, { depth: 6, symmetry: true });
      for (const x of r.results) {
        if (!x.finding) continue;
        let state = design.init(defaultConfig, knobs);
        for (const [i, s] of x.finding.steps.entries()) {
          expect(design.enabled(state), `${preset} ${x.property} step ${i + 1}`).toContainEqual(s.action);
          const next = design.step(state, s.action);
          expect(next.ret, `${preset} ${x.property} step ${i + 1}`).toBe(s.ret);
          state = next.state;
        }
      }
    }
  });

  it('walks a stored path through states the canonical form renamed, giving each step its real names', () => {
    const { config } = loadWorld('minimal');
    const dmaBuf = findDesign('dma-buf')!;
    const knobs = resolveKnobs(dmaBuf, dmaBuf.presets[0]!);
    const m = dmaBuf.machine(config, knobs);
    // VFIO region mappings of BAR pages 0 and 1, then munmap of the first: the stored form reorders the VMA slots
    const path = [mmap(1), mmap(1, { offset: 1 }), munmap(0)];
    const arena = new Arena(m.width);
    const form = new Uint8Array(m.width);
    const bytesOf = (s: State) => [...s.b.subarray(s.o, s.o + m.width)];
    let state = dmaBuf.init(config, knobs);
    m.canonical(state, form, 0);
    let j = arena.intern(new Int32Array(form.buffer), -1);
    for (const a of path) {
      state = dmaBuf.step(state, a).state;
      m.canonical(state, form, 0);
      j = arena.intern(new Int32Array(form.buffer), j);
    }
    expect([...form]).not.toEqual(bytesOf(state));
    const walked = walker(m, arena, true)(j);
    expect(walked.steps.map((s) => s.action)).toEqual(path);
    expect(walked.steps.map((s) => s.ret)).toEqual(['vma0', 'vma1', '0']);
    expect(bytesOf(walked.state)).toEqual(bytesOf(state));
  });

  it('reports its own running time in seconds, and the bytes it stores per state', () => {
    const { design, knobs } = cell('vma-p2p', 'rfc-2019');
    const t0 = performance.now();
    const r = checkExhaustive(design, defaultConfig, knobs, { depth: 3, symmetry: true });
    const ms = performance.now() - t0;
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.seconds * 1000).toBeLessThanOrEqual(ms);
    expect(r.bytesPerState).toBeGreaterThan(design.machine(defaultConfig, knobs).width);
  });

  it('depth 0 is the initial state alone, incomplete, judged for liveness only', () => {
    const r = check('mainline', 0);
    expect([r.states, r.transitions, r.diameter, r.complete, r.stoppedBy]).toEqual([1, 0, 0, false, 'depth']);
    expect(r.results.map((x) => x.property)).toEqual(catalogue.map((p) => p.id));
    expect(r.results.every((x) => !('finding' in x))).toBe(true);
    expect([...r.coverage.values()].every((c) => c.tried === 0 && c.taken === 0)).toBe(true);
  });

  it('depth 1 tries every enabled action the design does not declare inert, once', () => {
    const knobs = resolveKnobs(structPage, structPage.presets[0]!);
    const m = structPage.machine(defaultConfig, knobs);
    const init = m.init();
    const tried = structPage.enabled(init).filter((a) => m.inertAt[m.actions.findIndex((b) => JSON.stringify(b) === JSON.stringify(a))] === 0);
    const r = check('mainline', 1);
    expect(r.transitions).toBe(tried.length);
    expect(r.transitions).toBeLessThan(structPage.enabled(init).length);
    const canonical = (s: typeof init) => {
      const bytes = new Uint8Array(m.width);
      m.canonical(s, bytes, 0);
      return bytes.join();
    };
    const successors = new Set(tried.map((a) => structPage.step(init, a).state).map(canonical));
    expect(r.states).toBe(successors.has(canonical(init)) ? successors.size : 1 + successors.size);
  });

  it('coverage: per action kind, transitions tried and taken; an inert kind is never tried', () => {
    const r = check('mainline', 4);
    expect([...r.coverage.keys()]).toEqual([...actionKinds]);
    const counts = [...r.coverage.values()];
    expect(counts.reduce((n, c) => n + c.tried, 0)).toBe(r.transitions);
    expect(counts.every((c) => c.taken <= c.tried)).toBe(true);
    // mainline: the FOLL_PCI_P2PDMA gate refuses process_vm_readv; struct-page never fences on invalidation
    for (const kind of ['proc_touch', 'proc_kernel_copy', 'importer_ack_invalidate'] as const) expect(r.coverage.get(kind), kind).toEqual({ tried: 0, taken: 0 });
    expect(r.coverage.get('proc_mmap')!.taken).toBeGreaterThan(0);
    expect(r.coverage.get('proc_mmap')!.taken).toBeLessThan(r.coverage.get('proc_mmap')!.tried);
  });

  it('asking for returns changes no count: inert actions are tried for their returns alone', () => {
    const plain = check('mainline', 3);
    const withReturns = check('mainline', 3, { returns: true });
    expect({ ...withReturns, seconds: 0, returns: undefined }).toEqual({ ...plain, seconds: 0, returns: undefined });
  });

  // A plain breadth-first search over the same canonical forms, one state and one step at a time,
  // its own Set of forms and the vocabulary's isFailure(): every try counted, a signal or BOUND not taken,
  // and an edge kept for each taken kernel, device or exit step that changes its state.
  it('counts what a plain breadth-first search counts: states, transitions, per kind the tries and those that succeeded, and the bytes it keeps', () => {
    const { config } = loadWorld('minimal');
    const knobs = resolveKnobs(vmaP2p, vmaP2p.presets.find((p) => p.name === 'rfc-2019')!);
    const m = vmaP2p.machine(config, knobs);
    const formOf = (s: State) => {
      const bytes = new Uint8Array(m.width);
      m.canonical(s, bytes, 0);
      return bytes;
    };
    const seen = new Set<string>();
    let level: Uint8Array[] = [formOf(m.init())];
    seen.add(level[0]!.join());
    let transitions = 0;
    let edges = 0;
    const tried = new Map<string, number>();
    const taken = new Map<string, number>();
    const enabled = new Int32Array(m.actions.length);
    const rets = new Set<string>();
    while (level.length > 0) {
      const next: Uint8Array[] = [];
      for (const bytes of level) {
        const s = m.wrap(bytes, 0);
        const n = m.enabledInto(s, enabled);
        for (let k = 0; k < n; k++) {
          const ai = enabled[k]!;
          if (m.inertAt[ai] === 1) continue;
          const action = m.actions[ai]!;
          const out = m.out();
          const ret = m.apply(s, action, out);
          rets.add(ret);
          transitions++;
          tried.set(action.kind, (tried.get(action.kind) ?? 0) + 1);
          if (!isFailure(ret)) taken.set(action.kind, (taken.get(action.kind) ?? 0) + 1);
          if (!out.written) continue;
          if (!isFailure(ret) && (progressKinds.has(action.kind) || action.kind === 'proc_exit')) edges++;
          const form = formOf(out.d);
          if (seen.has(form.join())) continue;
          seen.add(form.join());
          next.push(form);
        }
      }
      level = next;
    }
    // the world shows both failures that are not errnos
    expect([rets.has('SIGBUS'), rets.has('BOUND')]).toEqual([true, true]);
    const r = checkExhaustive(vmaP2p, config, knobs, { symmetry: true });
    expect([r.states, r.transitions]).toEqual([seen.size, transitions]);
    for (const [kind, c] of r.coverage) expect(c, kind).toEqual({ tried: tried.get(kind) ?? 0, taken: taken.get(kind) ?? 0 });
    // per state: its bytes, hash, parent and flags; the table (4-byte slots from 2^10, at most half full); 9 bytes an edge
    let table = 2 ** 10;
    while (2 * seen.size > table - 1) table *= 2;
    expect(r.bytesPerState).toBeCloseTo(m.width + 9 + (4 * table) / seen.size + (9 * edges) / seen.size, 9);
  });

  it('returns: per action kind, what it gave, ids by their kind, the refusals of skipped (inert) actions too', () => {
    const r = check('mainline', 2, { returns: true });
    // MAP_PRIVATE is inert (never tried), its -EINVAL still listed; a created VMA is vmaN
    expect([...r.returns!.get('proc_mmap')!].sort()).toEqual(['-EINVAL', '-ENODEV', '-ENOMEM', 'vmaN']);
    expect([...r.returns!.get('proc_fork')!]).toEqual(['pN']);
    expect(check('mainline', 2).returns).toBeUndefined();
  });

  it('bytes per state: the state, its bookkeeping and table, and the recorded edges', () => {
    const r = check('mainline', undefined);
    const width = structPage.machine(defaultConfig, resolveKnobs(structPage, structPage.presets[0]!)).width;
    // 9 of bookkeeping, the table at least 8 (half full at most), 9 per edge and at least one edge per state
    expect(r.bytesPerState).toBeGreaterThan(width + 9 + 8 + 9);
    expect(r.bytesPerState).toBeLessThan(width + 100);
  });

  it('finds the shortest violation at the depth it needs, judging a step that leaves the state as it was', () => {
    expect(verdicts(check('lsfmm-2020', 1))['no-kernel-cpu-access']).toBe('holds');
    const r = check('lsfmm-2020', 3, { properties: ['p2p-dma', 'no-kernel-cpu-access'] });
    expect(r.results.map((x) => x.property)).toEqual(['no-kernel-cpu-access', 'p2p-dma']);
    expect(shown(r.results[0]!.finding!.steps)).toEqual(['p0: mmap(e0, 1, MAP_SHARED, 0) -> vma0', 'p0: process_vm_readv(vma0, 0) -> 0']);
    expect(r.results[0]!.finding!.detail).toBe('kernel kmap+memcpy of e0 page 0');
    expect(r.results[1]).toMatchObject({ verdict: 'sometimes', finding: { detail: 'witnessed' } });
    expect(shown(r.results[1]!.finding!.steps)).toEqual([
      'p0: mmap(e0, 1, MAP_SHARED, 0) -> vma0',
      'p0: pread(nvme0, vma0, 0, O_DIRECT) -> io0',
      'nvme0: dma(io0) -> 0',
    ]);
  });

  it('a liveness finding is the path to the stuck state and its drain tail', () => {
    const r = check('mainline', 2, { properties: ['unbind-completes'] });
    expect(r.results[0]!.verdict).toBe('violated');
    // the drain links the VMA, which unbind's unmap_mapping_range() missed: its PTEs hold pgmap->ref
    expect(shown(r.results[0]!.finding!.steps)).toEqual([
      'p0: mmap_start(e0, 1, MAP_SHARED, 0) -> vma0',
      'e0: unbind() -> 0',
      'p0: mmap_link(vma0) -> 0',
      'e0: unbind_finish() -> -EBUSY',
    ]);
    expect(verdicts(check('mainline', 1, { properties: ['unbind-completes'] }))['unbind-completes']).toBe('holds');
  });

  it('a bounded search sees past its depth for liveness: an unbind that the kernel finishes is not stuck at any depth', () => {
    // memunmap_pages() waits on no page ref here: unbind at depth 1 is finished by unbind_finish beyond it
    for (let depth = 1; depth <= 5; depth++) {
      const r = check('bug-zone-device-refcount', depth, { properties: ['unbind-completes', 'no-leak'] });
      expect(r.results.map((x) => x.verdict), `depth ${depth}`).toEqual(['holds', 'holds']);
    }
  });

  it('the state bound stops the search cleanly, past that many states, at the depth of the deepest state it reached', () => {
    const fanout = structPage.machine(defaultConfig, resolveKnobs(structPage, structPage.presets[0]!)).actions.length;
    const levels = [0, 1, 2, 3].map((depth) => check('mainline', depth).states);
    for (const maxStates of [2, 40, levels[2]!, 100]) {
      const r = check('mainline', undefined, { maxStates });
      expect([r.complete, r.stoppedBy], `${maxStates}`).toEqual([false, 'states']);
      expect(r.states).toBeGreaterThanOrEqual(maxStates);
      expect(r.states).toBeLessThan(maxStates + fanout);
      // breadth-first: the states within depth d come first
      const deepest = levels.findIndex((n) => n >= r.states);
      expect([r.diameter, levels[deepest - 1]! < r.states], `${maxStates}`).toEqual([deepest, true]);
    }
    // a bound met exactly as a level ends stops there: no state of the next level is expanded by a user step
    expect(check('mainline', undefined, { maxStates: levels[2]! })).toMatchObject({ states: levels[2], diameter: 2 });
    // deeper, a level holds more states than a block (64): the blocks shrink near the bound, so it is passed by one state's successors at most
    for (let maxStates = 1000; maxStates <= 5000; maxStates += 331) {
      const r = check('mainline', undefined, { maxStates });
      expect([r.stoppedBy, r.states >= maxStates, r.states < maxStates + fanout], `${maxStates}`).toEqual(['states', true, true]);
    }
  });

  it('runs to the end without a bound; a depth past the diameter changes nothing, one at it stops short', () => {
    const knobs = resolveKnobs(vmaP2p, vmaP2p.presets.find((p) => p.name === 'as-posted')!);
    const run = (depth?: number) => checkExhaustive(vmaP2p, defaultConfig, knobs, { symmetry: true, ...(depth === undefined ? {} : { depth }) });
    const whole = run();
    expect([whole.complete, whole.stoppedBy]).toEqual([true, null]);
    const past = run(whole.diameter + 1);
    expect([past.complete, past.stoppedBy, past.states, past.transitions, past.diameter]).toEqual([true, null, whole.states, whole.transitions, whole.diameter]);
    const at = run(whole.diameter);
    expect([at.complete, at.stoppedBy, at.states, at.diameter]).toEqual([false, 'depth', whole.states, whole.diameter]);
    expect(at.transitions).toBeLessThan(whole.transitions);
  });

  // Blocks (tries.ts) step a block's tries grouped by kind but store them in census
  // order: every state must get the index, parent and trace a state-by-state search gives it.
  // Each design's first preset also tries its inert actions for their returns (the call reference's search).
  const comparable = (r: ReturnType<typeof checkExhaustive>) => ({
    ...r,
    seconds: 0,
    returns: r.returns && new Map([...r.returns].map(([k, v]) => [k, [...v].sort()])),
  });
  it.each(designs.flatMap((d) => d.presets.map((p) => [d.id, p.name] as const)))('%s %s, routes world: blocks of 64 give what blocks of 1 give', (designId, preset) => {
    const design = findDesign(designId)!;
    const { config } = loadWorld('routes');
    const knobs = resolveKnobs(design, design.presets.find((p) => p.name === preset)!);
    const returns = preset === design.presets[0]!.name;
    const run = (block: number) => comparable(checkExhaustive(design, config, knobs, { symmetry: true, returns, block }));
    expect(run(64)).toEqual(run(1));
  });

  it('a state bound inside a wide level: blocks of 64 stop where blocks of 1 do, with the same findings', () => {
    for (const preset of structPage.presets)
      for (const maxStates of [1500, 2500]) {
        const run = (block: number) => comparable(check(preset.name, undefined, { maxStates, block }));
        expect(run(64), `${preset.name} ${maxStates}`).toEqual(run(1));
      }
  });

  it.each([64, 1])('reports progress as each level starts and after each block of states it expands that holds a 4,096th state (blocks of %i)', (block) => {
    const knobs = resolveKnobs(vmaP2p, vmaP2p.presets.find((p) => p.name === 'as-posted')!);
    const seen: { depth: number; states: number; transitions: number }[] = [];
    const r = checkExhaustive(vmaP2p, defaultConfig, knobs, { symmetry: true, block, onProgress: (p) => seen.push(p) });
    const starts = seen.filter((p, i) => i === 0 || p.depth !== seen[i - 1]!.depth);
    expect(starts.map((p) => p.depth)).toEqual(Array.from({ length: r.diameter + 1 }, (_, i) => i + 1));
    expect(seen[0]).toEqual({ depth: 1, states: 1, transitions: 0 });
    expect(seen.length - starts.length).toBe(Math.floor((r.states - 1) / 4096) + 1);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.transitions).toBeGreaterThanOrEqual(seen[i - 1]!.transitions);
      expect(seen[i]!.states).toBeGreaterThanOrEqual(seen[i - 1]!.states);
    }
    expect(seen.at(-1)!.states).toBe(r.states);
  });

  // The canonical form (model/symmetry.ts) decides which states the
  // search merges: these counts pin that equivalence down. A change to
  // what it abstracts moves them; check the verdicts and shortest lengths
  // still agree (expected.test.ts), then update them.
  it.each<[string, string, number, number, number, number]>([
    ['struct-page', 'mainline', 530, 1852, 730, 2412],
    ['struct-page', 'lsfmm-2020', 930, 3931, 1272, 4975],
    ['struct-page', 'bug-insert-leak', 547, 1875, 750, 2435],
    ['struct-page', 'bug-zone-device-refcount', 546, 1860, 748, 2420],
    ['vma-p2p', 'rfc-2019', 259, 910, 380, 1191],
    ['vma-p2p', 'legacy-importer', 289, 956, 418, 1237],
    ['vma-p2p', 'exporter-no-wait', 277, 923, 411, 1202],
    ['vma-p2p', 'as-posted', 217, 763, 311, 986],
    ['dma-buf', 'revoke-v7.1', 716, 2890, 1293, 4374],
    ['dma-buf', 'vfio-v6.19', 704, 2850, 1277, 4334],
    ['dma-buf', 'vfio-v6.19-rc', 887, 3211, 1586, 4802],
    ['dma-buf', 'dynamic-move-notify', 436, 1222, 638, 1549],
    ['dma-buf', 'static-pinned', 373, 1157, 557, 1484],
  ])('%s %s to depth 4: %i states and %i transitions with symmetry, %i and %i without', (designId, preset, on, onT, off, offT) => {
    const design = findDesign(designId)!;
    const knobs = resolveKnobs(design, design.presets.find((p) => p.name === preset)!);
    const run = (symmetry: boolean) => checkExhaustive(design, defaultConfig, knobs, { depth: 4, symmetry });
    const [withSym, without] = [run(true), run(false)];
    expect([withSym.states, withSym.transitions, without.states, without.transitions]).toEqual([on, onT, off, offT]);
  });

  it('symmetry with two VMA slots per process, renamed where no step reads a gone VMA slot: on and off agree within depth 6', () => {
    const config: Config = { ...defaultConfig, processes: 1, limits: { ...defaultConfig.limits, vmas: 2, faults: 0 } };
    for (const design of designs)
      for (const preset of design.presets) {
        const knobs = resolveKnobs(design, preset);
        const on = checkExhaustive(design, config, knobs, { depth: 6, symmetry: true });
        const off = checkExhaustive(design, config, knobs, { depth: 6, symmetry: false });
        // only dma-buf never reads an MR's VMA slot (model/symmetry.ts, mrVma): its VMAs are renamed
        const keep = design.machine(config, knobs).spec.symmetry.mrVma === 'read';
        expect(keep, preset.name).toBe(design.id !== 'dma-buf');
        if (keep) expect(on.states, preset.name).toBeLessThanOrEqual(off.states);
        else expect(on.states, preset.name).toBeLessThan(off.states);
        expect(on.results.map((r) => [r.verdict, r.finding?.steps.length]), preset.name).toEqual(off.results.map((r) => [r.verdict, r.finding?.steps.length]));
      }
  });

  it('symmetry merges states, never a verdict or a shortest length', () => {
    for (const [design, preset] of [
      [structPage, 'bug-insert-leak'],
      [vmaP2p, 'exporter-no-wait'],
    ] as const) {
      const knobs = resolveKnobs(design, design.presets.find((p) => p.name === preset)!);
      const on = checkExhaustive(design, defaultConfig, knobs, { depth: 3, symmetry: true });
      const off = checkExhaustive(design, defaultConfig, knobs, { depth: 3, symmetry: false });
      expect(on.states).toBeLessThan(off.states);
      expect(on.results.map((r) => [r.verdict, r.finding?.steps.length])).toEqual(off.results.map((r) => [r.verdict, r.finding?.steps.length]));
    }
  });
});
