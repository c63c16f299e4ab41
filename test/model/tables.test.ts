// Tables both designs share: the knob and preset contract, the default
// world and its file, how each action reads in a trace, the refusals
// every guard gives (with the state left as it was), what enabled()
// offers, and the exact audit and held() lines of the known bugs.
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { designs, findDesign } from '../../model/designs.js';
import { formatAction, formatCall } from '../../model/format.js';
import { NONE } from '../../model/packed.js';
import type { DbState } from '../../model/dma-buf/state.js';
import type { SpState } from '../../model/struct-page/state.js';
import type { State } from '../../model/state.js';
import type { VpState } from '../../model/vma-p2p/state.js';
import { type Action, type Config, defaultConfig, defaultLimits, type Event, isFailure, limitWords, type Ret } from '../../model/vocabulary.js';
import { loadWorld, worldNames } from '../../worlds/load.js';
import { ack, deregMr, evict, evictFinish, exit, fork, injectInsertFail, ioComplete, ioDma, kernelCopy, mmap, mrDma, munmap, pread, regMr, touch, unbind, unbindFinish, vfioDmaBuf } from '../actions.js';
import { bytesOf, roomy, run as runDesign } from './run.js';

/** e0 (2 pages) and e1 (1 page), every importer routed to e1 as to e0; two VMAs per process. */
const twoExporters: Config = {
  ...defaultConfig,
  exporters: [
    { name: 'e0', pages: 2 },
    { name: 'e1', pages: 1 },
  ],
  routes: defaultConfig.routes.map((r) => [...r, r[0]!]),
  limits: { ...defaultLimits, vmas: 2 },
};

function run(designId: string, preset: string, actions: readonly Action[], knobs: Record<string, string> = {}, config = defaultConfig) {
  const design = findDesign(designId)!;
  return { design, ...runDesign(design, actions, { preset, knobs, config }) };
}

describe('knobs and presets (the --knob and preset contract)', () => {
  it('struct-page', () => {
    const d = findDesign('struct-page')!;
    expect(d.knobs.map((k) => [k.name, k.values, k.default])).toEqual([
      ['gup_p2pdma_gate', ['on', 'off'], 'on'],
      ['longterm_p2pdma', ['refused', 'allowed'], 'refused'],
      ['umem_p2pdma', ['off', 'on'], 'off'],
      ['odp_p2pdma', ['off', 'on'], 'on'],
      ['dma_map_checks_route', ['on', 'nvme-only'], 'on'],
      ['mmap_takes_page_pgmap_ref', ['on', 'off'], 'on'],
      ['insert_fail_puts_ref', ['on', 'off'], 'on'],
      ['insert_fail_resets_count', ['on', 'off'], 'on'],
    ]);
    expect(d.presets.map((p) => [p.name, p.knobs])).toEqual([
      ['mainline', {}],
      ['lsfmm-2020', { gup_p2pdma_gate: 'off', longterm_p2pdma: 'allowed', dma_map_checks_route: 'nvme-only' }],
      ['bug-insert-leak', { insert_fail_puts_ref: 'off' }],
      ['bug-zone-device-refcount', { mmap_takes_page_pgmap_ref: 'off' }],
    ]);
  });

  it('vma-p2p', () => {
    const d = findDesign('vma-p2p')!;
    expect(d.knobs.map((k) => [k.name, k.values, k.default])).toEqual([
      ['importer', ['obeys', 'ignores'], 'obeys'],
      ['exporter_waits', ['revoke', 'always', 'never'], 'revoke'],
      ['revoke_fence', ['in-notifier', 'deferred'], 'in-notifier'],
      ['pci_test_p2p', ['distance', 'as-posted'], 'distance'],
      ['dma_unmap_without_vma', ['unmaps', 'bug'], 'unmaps'],
      ['dma_map_error_unwind', ['unmaps', 'leaks'], 'unmaps'],
      ['odp_map', ['registration', 'first-fault'], 'registration'],
    ]);
    expect(d.presets.map((p) => [p.name, p.knobs])).toEqual([
      ['rfc-2019', {}],
      ['legacy-importer', { importer: 'ignores' }],
      ['exporter-no-wait', { exporter_waits: 'never', revoke_fence: 'deferred' }],
      ['as-posted', { pci_test_p2p: 'as-posted', dma_unmap_without_vma: 'bug', dma_map_error_unwind: 'leaks' }],
    ]);
  });

  it.each(designs.map((d) => [d.id, d] as const))('%s: defaults are among the values; the first preset is all defaults', (_id, d) => {
    for (const k of d.knobs) expect(k.values).toContain(k.default);
    expect(resolveKnobs(d, d.presets[0]!)).toEqual(Object.fromEntries(d.knobs.map((k) => [k.name, k.default])));
    for (const p of d.presets) for (const [k, v] of Object.entries(p.knobs)) expect(d.knobs.find((s) => s.name === k)?.values).toContain(v);
  });
});

describe('formatCall: how every action reads in a trace', () => {
  it.each<[Action, string]>([
    [mmap(2), 'p0: mmap(e0, 2, MAP_SHARED, 0)'],
    [mmap(1, { proc: 1, shared: false, offset: 3 }), 'p1: mmap(e0, 1, MAP_PRIVATE, 3)'],
    [{ kind: 'proc_munmap', proc: 1, vma: 4 }, 'p1: munmap(vma4)'],
    [fork(), 'p0: fork()'],
    [{ kind: 'proc_exit', proc: 1 }, 'p1: exit()'],
    [{ kind: 'proc_touch', proc: 0, vma: 2, page: 1 }, 'p0: touch(vma2, 1)'],
    [{ kind: 'proc_odirect', proc: 0, importer: 1, vma: 2, page: 1, read: true }, 'p0: pread(nvme1, vma2, 1, O_DIRECT)'],
    [{ kind: 'proc_odirect', proc: 0, importer: 0, vma: 0, page: 0, read: false }, 'p0: pwrite(nvme0, vma0, 0, O_DIRECT)'],
    [{ kind: 'proc_kernel_copy', proc: 1, vma: 3, page: 1 }, 'p1: process_vm_readv(vma3, 1)'],
    [{ kind: 'proc_reg_mr', proc: 0, importer: 3, vma: 1, odp: false }, 'p0: ibv_reg_mr(nic1, vma1)'],
    [regMr(2), 'p0: ibv_reg_mr(nic0, vma2, ODP)'],
    [{ kind: 'proc_dereg_mr', proc: 1, mr: 5 }, 'p1: ibv_dereg_mr(mr5)'],
    [{ kind: 'dev_io_dma', importer: 0, io: 3 }, 'nvme0: dma(io3)'],
    [{ kind: 'dev_io_complete', importer: 1, io: 2 }, 'nvme1: complete(io2)'],
    [{ kind: 'dev_mr_dma', importer: 2, mr: 1, page: 1 }, 'nic0: dma(mr1, 1)'],
    [{ kind: 'importer_ack_invalidate', importer: 3, mr: 0 }, 'nic1: ack_invalidate(mr0)'],
    [{ kind: 'exporter_evict', exporter: 0, alloc: 2 }, 'e0: evict(a2)'],
    [{ kind: 'exporter_evict_finish', exporter: 0, alloc: 1 }, 'e0: evict_finish(a1)'],
    [{ kind: 'exporter_unbind', exporter: 0 }, 'e0: unbind()'],
    [{ kind: 'exporter_unbind_finish', exporter: 0 }, 'e0: unbind_finish()'],
    [{ kind: 'inject_insert_fail', nth: 2 }, 'fault: fail_vm_insert_page(2)'],
    [{ kind: 'dev_io_dma', importer: 7, io: 0 }, 'importer7: dma(io0)'],
    [{ kind: 'exporter_unbind', exporter: 3 }, 'exporter3: unbind()'],
    [mmap(1, { exporter: 2 }), 'p0: mmap(exporter2, 1, MAP_SHARED, 0)'],
  ])('%j', (action, text) => {
    expect(formatAction(action, defaultConfig)).toBe(text);
    const { actor, call } = formatCall(action, defaultConfig);
    expect(`${actor}: ${call}`).toBe(text);
  });
});

// [name, prefix ending in the refused action, struct-page lsfmm-2020, vma-p2p rfc-2019]
const refusals: [string, Action[], Ret, Ret][] = [
  ['mmap by a process never forked', [mmap(1, { proc: 1 })], '-ESRCH', '-ESRCH'],
  ['mmap by a process slot past the world', [mmap(1, { proc: 2 })], '-ESRCH', '-ESRCH'],
  ['mmap of an exporter not in the config', [mmap(1, { exporter: 5 })], '-EBADF', '-EBADF'],
  ['mmap of no pages', [mmap(0)], '-EINVAL', '-EINVAL'],
  ['mmap MAP_PRIVATE', [mmap(1, { shared: false })], '-EINVAL', '-EINVAL'],
  ['mmap at an offset', [mmap(1, { offset: 1 })], '-EINVAL', '-EINVAL'],
  ['mmap after unbind', [unbind(), mmap()], '-ENODEV', '-ENODEV'],
  ['a private or offset mmap once unbind finished: the file is gone first', [unbind(), unbindFinish(), mmap(1, { shared: false })], '-ENODEV', '-ENODEV'],
  ['a private mmap while unbind waits: the file is still there (struct-page)', [unbind(), mmap(1, { shared: false })], '-EINVAL', '-ENODEV'],
  ['mmap past the VMA limit (map_count)', [mmap(), mmap()], '-ENOMEM', '-ENOMEM'],
  ['mmap longer than the largest BAR: the pool, or the model bound', [mmap(3)], '-ENOMEM', 'BOUND'],
  ['munmap by a process never forked', [mmap(), munmap(0, 1)], '-ESRCH', '-ESRCH'],
  ["munmap of a VMA slot only another process uses", [fork(), mmap(1, { proc: 1 }), munmap(0, 0)], '-EBADF', '-EBADF'],
  ['munmap of a VMA slot past the world', [mmap(), munmap(1)], '-EBADF', '-EBADF'],
  ['munmap twice', [mmap(), munmap(), munmap()], '-EBADF', '-EBADF'],
  ['fork by a process never forked', [fork(1)], '-ESRCH', '-ESRCH'],
  ['fork with no slot left', [fork(), fork()], '-EAGAIN', '-EAGAIN'],
  ['fork by an exited process', [fork(), exit(1), fork(1)], '-ESRCH', '-ESRCH'],
  ['exit twice', [exit(), exit()], '-ESRCH', '-ESRCH'],
  ['touch by a process never forked', [mmap(), touch(0, 0, 1)], '-ESRCH', '-ESRCH'],
  ["touch of a VMA slot only another process uses", [fork(), mmap(1, { proc: 1 }), touch(0, 0, 0)], 'SIGSEGV', 'SIGSEGV'],
  ['touch of a VMA slot past the world', [touch(3)], '-EBADF', '-EBADF'],
  ['touch past the VMA', [mmap(), touch(0, 1)], 'SIGSEGV', 'SIGSEGV'],
  ['touch before the VMA', [mmap(), touch(0, -1)], 'SIGSEGV', 'SIGSEGV'],
  ['touch after munmap', [mmap(), munmap(), touch()], 'SIGSEGV', 'SIGSEGV'],
  ['O_DIRECT by a process never forked', [mmap(), pread(0, 0, 0, 1)], '-ESRCH', '-ESRCH'],
  ['O_DIRECT through an importer not in the config', [mmap(), pread(9)], '-EBADF', '-EBADF'],
  ['O_DIRECT through a NIC', [mmap(), pread(2)], '-EINVAL', '-EINVAL'],
  ['O_DIRECT past the VMA', [mmap(), pread(0, 0, 1)], '-EFAULT', '-EFAULT'],
  ['O_DIRECT before the VMA', [mmap(), { kind: 'proc_odirect', proc: 0, importer: 0, vma: 0, page: -1, read: false }], '-EFAULT', '-EFAULT'],
  ['O_DIRECT with every bio in flight: RWF_NOWAIT, or GUP refused first', [mmap(), pread(), pread()], '-EAGAIN', '-EFAULT'],
  ['kernel copy by a process never forked', [mmap(), kernelCopy(0, 0, 1)], '-ESRCH', '-ESRCH'],
  ['kernel copy past the VMA', [mmap(), kernelCopy(0, 1)], '-EFAULT', '-EFAULT'],
  ['MR by a process never forked', [mmap(), regMr(0, { proc: 1 })], '-ESRCH', '-ESRCH'],
  ['MR on an importer not in the config', [mmap(), regMr(0, { importer: 9 })], '-EBADF', '-EBADF'],
  ['MR on an NVMe', [mmap(), regMr(0, { importer: 0, odp: false })], '-EINVAL', '-EINVAL'],
  ['MR on a VMA slot past the world', [regMr(3)], '-EFAULT', '-EFAULT'],
  ['MR on a VMA slot never used', [regMr(0)], '-EFAULT', '-EFAULT'],
  ['ODP MR on a NIC without ODP', [mmap(), regMr(0, { importer: 3 })], '-EOPNOTSUPP', '-EOPNOTSUPP'],
  ['MR past the per-process limit', [mmap(), regMr(), regMr()], '-ENOMEM', '-ENOMEM'],
  ["dereg of another process's MR", [mmap(), regMr(), fork(), deregMr(0, 1)], '-EBADF', '-EBADF'],
  ['dereg twice', [mmap(), regMr(), deregMr(), deregMr()], '-EBADF', '-EBADF'],
  ['dereg of an MR slot past the world', [mmap(), regMr(), deregMr(2)], '-EBADF', '-EBADF'],
  ['MR DMA by another importer', [mmap(), regMr(), mrDma(0, 0, 3)], '-EBADF', '-EBADF'],
  ['MR DMA past the MR', [mmap(), regMr(), mrDma(0, 1)], '-EINVAL', '-EINVAL'],
  ['MR DMA before the MR', [mmap(), regMr(), mrDma(0, -1)], '-EINVAL', '-EINVAL'],
  ['MR DMA after dereg', [mmap(), regMr(), deregMr(), mrDma()], '-EBADF', '-EBADF'],
  ['I/O DMA of an I/O never submitted', [ioDma()], '-EBADF', '-EBADF'],
  ['completion of an I/O never submitted', [ioComplete()], '-EBADF', '-EBADF'],
  ['I/O DMA of a bio slot past the world', [ioDma(1)], '-EBADF', '-EBADF'],
  ['I/O DMA by a device the I/O was not submitted to', [mmap(), pread(), ioDma(0, 1)], '-EBADF', '-EBADF'],
  ['completion by a device the I/O was not submitted to', [mmap(), pread(), ioComplete(0, 1)], '-EBADF', '-EBADF'],
  ['ack of an MR never registered', [ack()], '-EBADF', '-EBADF'],
  ['evict of an allocation slot never used', [evict()], '-ENOENT', '-ENOENT'],
  ['evict of an allocation slot past the world', [mmap(), evict(2)], '-EBADF', '-EBADF'],
  ['evict through another exporter', [mmap(), evict(0, 1)], '-EBADF', '-EBADF'],
  // a pinned MR keeps struct-page's page allocated (vma-p2p refuses the pin: a no-op)
  ['evict twice', [mmap(), regMr(0, { odp: false }), evict(), evict()], '-EBUSY', '-EBUSY'],
  ['evict once unbind has started', [mmap(), regMr(0, { odp: false }), unbind(), evict()], '-ENODEV', '-ENODEV'],
  ['evict of a freed allocation', [mmap(), munmap(), evict()], '-ENOENT', '-ENOENT'],
  ['evict_finish of an allocation not being evicted', [mmap(), evictFinish()], '-EBADF', '-EBADF'],
  ['evict_finish through another exporter', [mmap(), evict(), evictFinish(0, 1)], '-EBADF', '-EBADF'],
  ['unbind of an exporter not in the config', [unbind(5)], '-EBADF', '-EBADF'],
  ['unbind twice', [unbind(), unbind()], '-ENODEV', '-ENODEV'],
  ['unbind_finish before unbind', [unbindFinish()], '-EBADF', '-EBADF'],
  ['unbind_finish of an exporter not in the config', [unbindFinish(5)], '-EBADF', '-EBADF'],
  ['a fault at a negative insert', [injectInsertFail(-1)], '-EINVAL', '-EINVAL'],
  ['a fault at a fractional insert', [injectInsertFail(0.5)], '-EINVAL', '-EINVAL'],
  ['a fault armed twice', [injectInsertFail(0), injectInsertFail(1)], '-EBUSY', '-EBUSY'],
  ['a fault past the world limit', [injectInsertFail(0), mmap(), injectInsertFail(0)], 'BOUND', 'BOUND'],
];

describe.each([
  ['struct-page', 'lsfmm-2020', 2],
  ['vma-p2p', 'rfc-2019', 3],
] as const)('%s refusals: the errno, no events, the state as it was', (designId, preset, column) => {
  it.each(refusals.map((r) => [r[0], r[1], r[column]] as const))('%s', (_name, actions, ret) => {
    const r = run(designId, preset, actions);
    expect(r.ret).toBe(ret);
    expect(r.events).toEqual([]);
    expect(r.state).toBe(r.before);
  });
});

describe('effects on one process, VMA, allocation or exporter leave the others alone', () => {
  it.each(['struct-page', 'vma-p2p'])('%s: unbinding e1 leaves e0 mapped and bound', (designId) => {
    const preset = designId === 'struct-page' ? 'mainline' : 'rfc-2019';
    const r = run(designId, preset, [mmap(), regMr(), mmap(1, { exporter: 1 }), unbind(1)], {}, twoExporters);
    expect(r.rets).toEqual(['vma0', 'mr0', 'vma1', '0']);
    expect(r.design.view(r.state).exporters.map((e) => e.driver)).toEqual(['bound', 'unbinding']);
    expect(r.design.view(r.state).obligations).toBe(1);
    const t = r.design.step(r.state, touch());
    expect([t.ret, t.events]).toEqual(['0', [{ kind: 'cpu_access', by: 'user', exporter: 0, page: 0 }]]);
  });

  it("vma-p2p: unbinding e1 leaves an importer's mapping of e0 alone", () => {
    const r = run('vma-p2p', 'rfc-2019', [mmap(), regMr(), mrDma(), mmap(1, { exporter: 1 }), unbind(1)], {}, twoExporters);
    expect(r.events).toEqual([]);
    expect(r.design.view(r.state).obligations).toBe(1);
    expect(r.design.step(r.state, mrDma())).toMatchObject({ ret: '0', events: [{ kind: 'dma' }] });
  });

  it.each(['struct-page', 'vma-p2p'])('%s: evicting a1 leaves a0 in place', (designId) => {
    const preset = designId === 'struct-page' ? 'mainline' : 'rfc-2019';
    const r = run(designId, preset, [mmap(), mmap(), evict(1)], {}, roomy);
    expect(r.rets).toEqual(['vma0', 'vma1', '0']);
    expect(r.design.view(r.state).exporters[0]!.evicting).toEqual([1]);
    const t = r.design.step(r.state, touch());
    expect([t.ret, t.events]).toEqual(['0', [{ kind: 'cpu_access', by: 'user', exporter: 0, page: 0 }]]);
  });

  it.each(['struct-page', 'vma-p2p'])("%s: fork copies the parent's mapped VMAs only, each to its slot; exit ends only its own", (designId) => {
    const preset = designId === 'struct-page' ? 'mainline' : 'rfc-2019';
    const config: Config = { ...defaultConfig, exporters: [{ name: 'e0', pages: 4 }], processes: 3, limits: { ...defaultLimits, vmas: 3, allocations: 3 } };
    // p0 maps vma0 and vma1, unmaps vma1, forks p1 (its vma0 a copy); p1 maps vma1; p1 forks p2 (vma0, vma1)
    const steps: Action[] = [mmap(), mmap(), munmap(1), fork(), mmap(1, { proc: 1 }), fork(1)];
    const r = run(designId, preset, steps, {}, config);
    expect(r.rets).toEqual(['vma0', 'vma1', '0', 'p1', 'vma1', 'p2']);
    const touched = (s: State, proc: number, vma: number) => r.design.step(s, touch(vma, 0, proc)).ret;
    expect([touched(r.state, 1, 0), touched(r.state, 1, 1), touched(r.state, 1, 2), touched(r.state, 2, 0), touched(r.state, 2, 1), touched(r.state, 2, 2)]).toEqual([
      '0',
      '0',
      'SIGSEGV',
      '0',
      '0',
      'SIGSEGV',
    ]);
    const exited = r.design.step(r.state, exit(1)).state;
    expect([touched(exited, 0, 0), touched(exited, 2, 0), touched(exited, 2, 1), touched(exited, 1, 0)]).toEqual(['0', '0', '0', '-ESRCH']);
  });
});

describe('what a successful step emits', () => {
  it.each<[string, string, string, Action[], Event[]]>([
    ['struct-page', 'mainline', 'O_DIRECT pins the page', [mmap(), pread()], [{ kind: 'pin', exporter: 0, page: 0 }]],
    ['struct-page', 'mainline', 'completion unpins it', [mmap(), pread(), ioComplete()], [{ kind: 'unpin', exporter: 0, page: 0 }]],
    [
      'struct-page',
      'lsfmm-2020',
      'a kernel copy pins, kmaps and unpins',
      [mmap(), kernelCopy()],
      [
        { kind: 'pin', exporter: 0, page: 0 },
        { kind: 'cpu_access', by: 'kernel', exporter: 0, page: 0 },
        { kind: 'unpin', exporter: 0, page: 0 },
      ],
    ],
    [
      'struct-page',
      'lsfmm-2020',
      'a pinned MR pins every page',
      [mmap(2), regMr(0, { odp: false })],
      [
        { kind: 'pin', exporter: 0, page: 0 },
        { kind: 'pin', exporter: 0, page: 1 },
      ],
    ],
    [
      'struct-page',
      'lsfmm-2020',
      'its dereg unpins them',
      [mmap(2), regMr(0, { odp: false }), deregMr()],
      [
        { kind: 'unpin', exporter: 0, page: 0 },
        { kind: 'unpin', exporter: 0, page: 1 },
      ],
    ],
    ['struct-page', 'mainline', 'a touch after the zap is SIGBUS', [mmap(), evict(), touch()], [{ kind: 'sigbus', proc: 0 }]],
    ['struct-page', 'lsfmm-2020', 'evict_finish waits for page refs', [mmap(), regMr(0, { odp: false }), evict(), evictFinish()], [{ kind: 'wait', exporter: 0, on: 'page refs' }]],
    ['struct-page', 'lsfmm-2020', 'unbind_finish waits for pgmap->ref', [mmap(), regMr(0, { odp: false }), unbind(), unbindFinish()], [{ kind: 'wait', exporter: 0, on: 'pgmap->ref' }]],
    [
      'struct-page',
      'mainline',
      'munmap invalidates only the ODP MRs of that VMA',
      [fork(), mmap(), mmap(1, { proc: 1 }), regMr(0), regMr(0, { proc: 1 }), munmap(0, 1)],
      [
        { kind: 'page_free', exporter: 0, page: 1 },
        { kind: 'invalidate', importer: 2, mr: 1 },
      ],
    ],
    ['vma-p2p', 'rfc-2019', 'a touch of the BAR', [mmap(), touch()], [{ kind: 'cpu_access', by: 'user', exporter: 0, page: 0 }]],
    ['vma-p2p', 'rfc-2019', 'a touch after eviction refaults to RAM: no BAR access', [mmap(), evict(), evictFinish(), touch()], []],
    ['vma-p2p', 'rfc-2019', 'a touch after unbind is SIGBUS', [mmap(), unbind(), touch()], [{ kind: 'sigbus', proc: 0 }]],
    ['vma-p2p', 'rfc-2019', 'an MR DMA after eviction goes to RAM', [mmap(), evict(), evictFinish(), regMr(), mrDma()], [{ kind: 'dma', importer: 2, path: 'mr', target: { mem: 'ram' }, route: 'host-bridge' }]],
    [
      'vma-p2p',
      'rfc-2019',
      'ibv_reg_mr maps every page the CPU maps',
      [mmap(2), regMr()],
      [
        { kind: 'p2p_map', importer: 2, alloc: 0 },
        { kind: 'p2p_map', importer: 2, alloc: 0 },
      ],
    ],
    ['vma-p2p', 'legacy-importer', 'evict_finish waits for p2p_unmap', [mmap(), regMr(), mrDma(), evict(), evictFinish()], [{ kind: 'wait', exporter: 0, on: 'p2p_unmap' }]],
    [
      'vma-p2p',
      'exporter-no-wait',
      'a DMA through a map whose page was freed says it is stale',
      [mmap(), regMr(), mrDma(), evict(), mrDma()],
      [{ kind: 'dma', importer: 2, path: 'mr', target: { mem: 'bar', exporter: 0, page: 0, stale: true }, route: 'host-bridge' }],
    ],
  ])('%s %s: %s', (designId, preset, _name, actions, events) => {
    expect(run(designId, preset, actions).events).toEqual(events);
  });
});

describe('enabled(): the actions worth trying, in order', () => {
  it.each([
    ['struct-page', 'lsfmm-2020', {}],
    ['vma-p2p', 'rfc-2019', { revoke_fence: 'deferred' }],
  ])('%s', (designId, preset, knobs) => {
    const r = run(designId, preset, [mmap(2), fork(), regMr(), evict(), injectInsertFail(1)], knobs);
    expect(r.rets).toEqual(['vma0', 'p1', 'mr0', '0', '0']);
    const offered = r.design.enabled(r.state).map((a) => formatAction(a, defaultConfig));
    // both process slots are taken: no fork; the fault is armed: no injection; every VMA
    // slot is taken: no mmap; p0 has its MR: no ibv_reg_mr for it. vma-p2p has no bios.
    const bios = designId === 'struct-page';
    const perVma = (p: number, v: number, regs: boolean) => [
      `p${p}: exit()`,
      `p${p}: munmap(vma${v})`,
      `p${p}: prime_export(vma${v})`,
      ...[0, 1].flatMap((page) => [`p${p}: touch(vma${v}, ${page})`, `p${p}: process_vm_readv(vma${v}, ${page})`]),
      ...(bios
        ? [0, 1].flatMap((page) =>
            ['nvme0', 'nvme1'].flatMap((n) => [`p${p}: pread(${n}, vma${v}, ${page}, O_DIRECT)`, `p${p}: pwrite(${n}, vma${v}, ${page}, O_DIRECT)`]),
          )
        : []),
      ...(regs ? [`p${p}: ibv_reg_mr(nic0, vma${v})`, `p${p}: ibv_reg_mr(nic0, vma${v}, ODP)`, `p${p}: ibv_reg_mr(nic1, vma${v})`] : []),
    ];
    const devices = ['p0: ibv_dereg_mr(mr0)', 'nic0: dma(mr0, 0)', 'nic0: dma(mr0, 1)', ...(bios ? [] : ['nic0: ack_invalidate(mr0)'])];
    expect(offered).toEqual([...perVma(0, 0, false), ...perVma(1, 0, true), ...devices, 'e0: evict_finish(a0)', 'e0: unbind()']);
  });

  it('a free process slot offers fork; a spent fault offers no injection', () => {
    const r = run('struct-page', 'mainline', [injectInsertFail(0), mmap()]);
    const offered = r.design.enabled(r.state).map((a) => formatAction(a, defaultConfig));
    expect(offered).toContain('p0: fork()');
    expect(offered.filter((t) => t.startsWith('fault'))).toEqual([]);
  });

  it('with an I/O in flight and a pending invalidation', () => {
    const sp = run('struct-page', 'mainline', [mmap(), pread()]);
    expect(
      sp.design
        .enabled(sp.state)
        .map((a) => formatAction(a, defaultConfig))
        .filter((t) => /io0|fail_vm/.test(t)),
    ).toEqual(['nvme0: dma(io0)', 'nvme0: complete(io0)', 'fault: fail_vm_insert_page(0)', 'fault: fail_vm_insert_page(1)']);
    const vp = run('vma-p2p', 'rfc-2019', [mmap(), regMr(), mrDma(), unbind()], { revoke_fence: 'deferred' });
    expect(
      vp.design
        .enabled(vp.state)
        .map((a) => formatAction(a, defaultConfig))
        .filter((t) => /^(nic0|e0)/.test(t)),
    ).toEqual(['nic0: dma(mr0, 0)', 'nic0: ack_invalidate(mr0)', 'e0: evict(a0)', 'e0: unbind_finish()']);
  });
});

describe('audit and held(): the exact lines', () => {
  it.each<[string, string, Action[], Record<string, string>, string[], string[]]>([
    ['struct-page', 'bug-zone-device-refcount', [mmap()], {}, ['e0: pgmap_ref 2 != base 2 + allocated pages 1'], ['e0 page 0: still allocated to a0']],
    ['struct-page', 'bug-insert-leak', [injectInsertFail(0), mmap()], {}, ['e0: pgmap_ref 3 != base 2 + allocated pages 0'], ['e0: pgmap_ref 3, 1 above base']],
    ['struct-page', 'mainline', [injectInsertFail(1), mmap(2)], { insert_fail_resets_count: 'off' }, ['e0 page 1: free in the pool with refcount 1'], ['e0 page 1: refcount 1 in the pool']],
    [
      'struct-page',
      'lsfmm-2020',
      [mmap(2), regMr(0, { odp: false })],
      {},
      [],
      ['e0: pgmap_ref 4, 2 above base', 'e0 page 0: still allocated to a0', 'e0 page 1: still allocated to a0'],
    ],
    [
      'vma-p2p',
      'rfc-2019',
      [mmap(2), regMr(), mrDma()],
      {},
      [],
      [
        'p2p_map of a0 (e0 page 0) to nic0 never p2p_unmapped',
        'p2p_map of a0 (e0 page 1) to nic0 never p2p_unmapped',
        'e0 page 0: still allocated to a0',
        'e0 page 1: still allocated to a0',
        'a0: object still allocated (bar)',
      ],
    ],
    [
      'vma-p2p',
      'as-posted',
      [mmap(2), regMr(), injectInsertFail(1), mrDma()],
      { pci_test_p2p: 'distance', odp_map: 'first-fault' },
      ['p2p_map of e0 page 0 leaked: no MR holds it, no p2p_unmap can follow'],
      ['a leaked p2p_map of e0 page 0 never p2p_unmapped', 'e0 page 0: still allocated to a0', 'e0 page 1: still allocated to a0', 'a0: object still allocated (bar)'],
    ],
    [
      'vma-p2p',
      'exporter-no-wait',
      [mmap(), regMr(), mrDma(), evict()],
      {},
      [],
      ['p2p_map of a0 (e0 page 0) to nic0 never p2p_unmapped', 'a0: object still allocated (ram)'],
    ],
    ['dma-buf', 'vfio-v6.19', [vfioDmaBuf()], {}, [], ['a0: dma-buf still open']],
    [
      'dma-buf',
      'vfio-v6.19',
      [vfioDmaBuf(), { kind: 'proc_reg_dmabuf_mr', proc: 0, importer: 2, fd: 0, odp: true }, mrDma()],
      {},
      [],
      ['mr0: nic0 still maps e0 page 0', 'a0: dma-buf still open'],
    ],
    ['dma-buf', 'dynamic-move-notify', [mmap()], {}, [], ['a0: buffer object still allocated (vram)', 'e0 page 0: still allocated to a0']],
  ])('%s %s, case %#', (designId, preset, actions, knobs, audit, held) => {
    const r = run(designId, preset, actions, knobs);
    expect(r.design.audit(r.state)).toEqual(audit);
    expect(r.design.held(r.state)).toEqual(held);
  });
});

describe('audit and view keep exporters apart', () => {
  it("struct-page: each page counts only its own exporter's PTEs, bios and MR pins", () => {
    const r = run('struct-page', 'lsfmm-2020', [mmap(), mmap(1, { exporter: 1 }), pread(0, 1), regMr(1, { odp: false })], {}, twoExporters);
    expect(r.rets).toEqual(['vma0', 'vma1', 'io0', 'mr0']);
    expect(r.design.audit(r.state)).toEqual([]);
  });

  it.each([
    ['struct-page', 'mainline'],
    ['vma-p2p', 'rfc-2019'],
  ])('%s: an eviction on e1 shows on e1 only; pages of the same number on two exporters are two pages', (designId, preset) => {
    const r = run(designId, preset, [mmap(), mmap(1, { exporter: 1 }), evict(1, 1)], {}, twoExporters);
    expect(r.rets).toEqual(['vma0', 'vma1', '0']);
    expect(r.design.view(r.state).exporters.map((e) => e.evicting)).toEqual([[], [1]]);
    expect(r.design.audit(run(designId, preset, [mmap(), mmap(1, { exporter: 1 })], {}, twoExporters).state)).toEqual([]);
  });

  it('vma-p2p: a page the allocator and the objects disagree on is named both ways', () => {
    const { state } = run('vma-p2p', 'rfc-2019', [mmap()]);
    const copy = () => state.m.wrap(bytesOf(state), 0) as VpState;
    const freed = copy();
    freed.page(0, 0).owner = NONE;
    expect(findDesign('vma-p2p')!.audit(freed)).toEqual(['e0 page 0: allocator says free, objects in the BAR holding it: [a0]']);
    const orphaned = copy();
    orphaned.alloc(0).used = false;
    expect(findDesign('vma-p2p')!.audit(orphaned)).toEqual(['e0 page 0: allocator says a0, objects in the BAR holding it: []']);
  });

  it('dma-buf: a VRAM page the allocator and the buffer objects disagree on is named both ways', () => {
    const { state } = run('dma-buf', 'dynamic-move-notify', [mmap()]);
    const copy = () => state.m.wrap(bytesOf(state), 0) as DbState;
    expect(findDesign('dma-buf')!.audit(copy())).toEqual([]);
    const freed = copy();
    freed.page(0, 0).owner = NONE;
    expect(findDesign('dma-buf')!.audit(freed)).toEqual(['e0 page 0: allocator says free, buffer in VRAM there: a0']);
    const stray = copy();
    stray.page(0, 1).owner = 0;
    expect(findDesign('dma-buf')!.audit(stray)).toEqual(['e0 page 1: allocator says a0, buffer in VRAM there: none']);
  });
});

// dma-buf's own step tests show it on a GPU, whose mmap inserts PFNs (VFIO's refuses the injection)
describe('decode(): the fault header, only once one is armed or fired', () => {
  it.each(['struct-page', 'vma-p2p'])('%s', (designId) => {
    const preset = findDesign(designId)!.presets[0]!.name;
    const fault = (actions: Action[]) => {
      const r = run(designId, preset, actions);
      return r.design.decode(r.state).fault;
    };
    expect(fault([])).toBeUndefined();
    expect(fault([injectInsertFail(1)])).toEqual({ armed: 1, fired: 1 });
    expect(fault([injectInsertFail(0), mmap()])).toEqual({ armed: null, fired: 1 });
  });
});

describe('audit: a holder count that drifts from its holders is named', () => {
  it('struct-page: a page refcount against its PTEs and pins', () => {
    const { state, rets } = run('struct-page', 'lsfmm-2020', [mmap(), regMr(0, { odp: false })]);
    expect(rets).toEqual(['vma0', 'mr0']);
    const drifted = state.m.wrap(bytesOf(state), 0) as SpState;
    expect(findDesign('struct-page')!.audit(drifted)).toEqual([]);
    drifted.page(0, 0).refcount++;
    expect(findDesign('struct-page')!.audit(drifted)).toEqual(['e0 page 0: refcount 3 != PTEs + pins 2']);
  });

  it.each<['attached' | 'pins' | 'files' | 'vmas', string]>([
    ['attached', 'a0: attachments 1 != 0'],
    ['pins', 'a0: pins 1 != 0'],
    ['files', 'a0: files 2 != 1'],
    ['vmas', 'a0: VMAs 1 != 0'],
  ])('dma-buf: its %s', (field, line) => {
    const { state, rets } = run('dma-buf', 'vfio-v6.19', [vfioDmaBuf()]);
    expect(rets).toEqual(['fd0']);
    const drifted = state.m.wrap(bytesOf(state), 0) as DbState;
    expect(findDesign('dma-buf')!.audit(drifted)).toEqual([]);
    drifted.alloc(0)[field]++;
    expect(findDesign('dma-buf')!.audit(drifted)).toEqual([line]);
  });
});

describe('the vocabulary and the default world', () => {
  it('the default world of the README, with its limits', () => {
    expect(defaultConfig).toEqual({
      exporters: [{ name: 'e0', pages: 2 }],
      importers: [
        { kind: 'nvme', name: 'nvme0', p2pQueue: true },
        { kind: 'nvme', name: 'nvme1', p2pQueue: false },
        { kind: 'rdma', name: 'nic0', odp: true },
        { kind: 'rdma', name: 'nic1', odp: false },
      ],
      routes: [['bus-addr'], ['bus-addr'], ['host-bridge'], ['none']],
      iommu: true,
      processes: 2,
      limits: { vmas: 1, mrs: 1, fds: 1, bios: 1, allocations: 2, faults: 1 },
    });
    expect(defaultLimits).toBe(defaultConfig.limits);
  });

  it('worlds/default.txt is exactly the default world, and the first shipped world', () => {
    expect(loadWorld('default').config).toEqual(defaultConfig);
    expect(worldNames()[0]).toBe('default');
  });

  it('the limits a world file may set: their words and ranges', () => {
    expect(limitWords.map((w) => [w.limit, w.one, w.many, w.min, w.max])).toEqual([
      ['vmas', 'vma', 'vmas', 1, 8],
      ['mrs', 'mr', 'mrs', 0, 8],
      ['fds', 'fd', 'fds', 0, 8],
      ['bios', 'bio', 'bios', 0, 8],
      ['allocations', 'allocation', 'allocations', 1, 16],
      ['faults', 'fault', 'faults', 0, 8],
    ]);
  });

  it('isFailure: errnos, signals and the model bound', () => {
    expect((['0', 'vma3', 'io0', 'mr1', 'p1'] as Ret[]).map(isFailure)).toEqual([false, false, false, false, false]);
    expect((['-EBADF', '-EREMOTEIO', 'SIGBUS', 'SIGSEGV', 'BOUND'] as Ret[]).map(isFailure)).toEqual([true, true, true, true, true]);
  });
});

describe('exit deregisters its own MRs only', () => {
  it.each([
    ['struct-page', 'lsfmm-2020'],
    ['vma-p2p', 'rfc-2019'],
  ])('%s', (designId, preset) => {
    // p0: vma0, mr0; fork: p1 gets a copy of vma0; p1: mr1 on its vma0; p1 exits
    const r = run(designId, preset, [mmap(), regMr(0), fork(), regMr(0, { proc: 1 }), exit(1)]);
    expect(r.rets).toEqual(['vma0', 'mr0', 'p1', 'mr1', '0']);
    const again = (a: Action) => r.design.step(r.state, a).ret;
    expect(again(deregMr(0))).toBe('0');
    expect(again(deregMr(1, 1))).toBe('-EBADF');
    expect(again(mrDma(1))).toBe('-EBADF');
  });
});

describe('struct-page ODP MRs (odp_p2pdma=on)', () => {
  const odp = { odp_p2pdma: 'on' };
  const bar = (page: number) => ({ kind: 'dma', importer: 2, path: 'mr', target: { mem: 'bar', exporter: 0, page, stale: false }, route: 'host-bridge' });

  it('faults one page in on first use, reuses it after, and refaults nothing once zapped', () => {
    const first = run('struct-page', 'mainline', [mmap(2), regMr(), mrDma(0, 1)], odp);
    expect([first.ret, first.events]).toEqual(['0', [bar(1)]]);
    const page0 = first.design.step(first.state, mrDma(0, 0));
    expect([page0.ret, page0.events]).toEqual(['0', [bar(0)]]);
    const again = first.design.step(first.state, mrDma(0, 1));
    expect([again.ret, again.events]).toEqual(['0', [bar(1)]]);
    expect(bytesOf(again.state)).toEqual(bytesOf(first.state));
    expect(run('struct-page', 'mainline', [mmap(2), regMr(), mrDma(0, 1), evict(), mrDma(0, 0)], odp).ret).toBe('-EFAULT');
    expect(run('struct-page', 'mainline', [mmap(2), regMr(), mrDma(0, 1), evict(), mrDma(0, 1)], odp).ret).toBe('-EFAULT');
  });

  it('without odp_p2pdma the fault is refused; over no route, the map fails (populate_mtt(): -EFAULT)', () => {
    expect(run('struct-page', 'mainline', [mmap(), regMr(), mrDma()], { odp_p2pdma: 'off' }).ret).toBe('-EFAULT');
    const noRoute: Config = { ...defaultConfig, routes: [['bus-addr'], ['bus-addr'], ['none'], ['none']] };
    const refused = run('struct-page', 'mainline', [mmap(), regMr(), mrDma()], odp, noRoute);
    expect([refused.ret, refused.events]).toEqual(['-EFAULT', []]);
    expect(run('struct-page', 'mainline', [mmap(), regMr(), mrDma()], { ...odp, dma_map_checks_route: 'nvme-only' }, noRoute).events).toEqual([{ ...bar(0), route: 'none' }]);
  });
});
