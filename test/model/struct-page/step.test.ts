// Step table for the struct-page design: every transition and errno of
// DOMAIN.md §2, from init in the default world (or a roomier one where a
// row needs more than one VMA, MR, bio or allocation), read back through
// decode(), view(), audit() and held().
import { describe, expect, it } from 'vitest';
import { structPage } from '../../../model/struct-page/index.js';
import type { SpState } from '../../../model/struct-page/state.js';
import { type Action, type Config, defaultConfig, type Ret } from '../../../model/vocabulary.js';
import {
  ack,
  deregMr,
  evict,
  evictFinish,
  exit,
  fork,
  injectInsertFail,
  ioComplete,
  ioDma,
  kernelCopy,
  mmap,
  mmapLink,
  mmapStart,
  mrDma,
  munmap,
  pread,
  pwrite,
  regMr,
  touch,
  unbind,
  unbindFinish,
} from '../../actions.js';
import { bytesOf, roomy, type Setup, run as runDesign, withExporters } from '../run.js';

// Default world: e0 has 2 pages; nvme0 (P2P queue, bus-addr), nvme1 (no
// P2P queue), nic0 (ODP, host-bridge), nic1 (no ODP, route none); 2
// process slots; per process 1 VMA and 1 MR; 1 bio; 2 allocations; 1 fault.
const NIC1 = 3;

const run = (actions: readonly Action[], preset = 'mainline', knobs: Record<string, string> = {}, config?: Config) =>
  runDesign(structPage, actions, { preset, knobs, ...(config ? { config } : {}) } satisfies Setup);
const decode = (s: SpState) => structPage.decode(s);
const page = (refcount: number, owner: string | null) => ({ refcount, owner });
/** The default world with one allocation slot and room for two VMAs. */
const oneAllocation: Config = { ...defaultConfig, limits: { ...defaultConfig.limits, vmas: 2, allocations: 1 } };

describe('p2pmem_alloc_mmap', () => {
  it('maps n pages at count 1 with one pgmap ref each, in one allocation', () => {
    const { state, ret } = run([mmap(2)]);
    expect(ret).toBe('vma0');
    expect(decode(state)).toEqual({
      e0: { driver: 'bound', pgmap_ref: 2 + 2, ref_dead: false, page0: page(1, 'a0'), page1: page(1, 'a0') },
      a0: { exporter: 'e0', pages: '0+2', evicting: false },
      p0: { vma0: { exporter: 'e0', alloc: 'a0', pages: '0+2', ptes: true } },
    });
    expect(structPage.audit(state)).toEqual([]);
  });

  it.each<[string, Action[], Ret, Config?]>([
    ['MAP_PRIVATE (no VM_MAYSHARE)', [mmap(1, { shared: false })], '-EINVAL'],
    ['a nonzero offset (vm_pgoff)', [mmap(1, { offset: 1 })], '-EINVAL'],
    ['more pages than the pool (gen_pool_alloc_owner)', [mmap(3)], '-ENOMEM'],
    ['zero length', [mmap(0)], '-EINVAL'],
    ['a fractional length', [mmap(1.5)], '-EINVAL'],
    ['a process that does not exist', [mmap(1, { proc: 1 })], '-ESRCH'],
    ['a process slot past the world', [mmap(1, { proc: 2 })], '-ESRCH'],
    ['no exporter of that id', [mmap(1, { exporter: 1 })], '-EBADF'],
    ['the pool exhausted by an earlier mapping (another process: a VMA slot free)', [fork(), mmap(2), mmap(1, { proc: 1 })], '-ENOMEM'],
    ['a second VMA past the world limit (map_count)', [mmap(1), mmap(1)], '-ENOMEM'],
    // do_mmap() counts the VMAs before the file is asked
    ['past the VMA limit, even once the file is gone', [mmap(1), unbind(), mmap(1)], '-ENOMEM'],
    ['the allocation limit: a free page but no allocation slot (BOUND)', [mmap(1), mmap(1)], 'BOUND', oneAllocation],
  ])('refuses %s, the state as it was', (_name, actions, ret, config?: Config) => {
    const r = run(actions, 'mainline', {}, config);
    expect(r.ret).toBe(ret);
    expect(r.events).toEqual([]);
    expect(bytesOf(r.state)).toEqual(bytesOf(r.before));
  });

  it('fails with -ENODEV once unbind has started: the pgmap ref is dead while the file is still there', () => {
    expect(run([unbind(), mmap(1)]).ret).toBe('-ENODEV');
    // remove() waits on a pinned page: p2pmem_alloc_mmap() still runs its own checks first
    const waiting = [mmap(1), pread(0), unbind()];
    expect(run([...waiting, mmap(1, { shared: false })], 'mainline', {}, roomy).ret).toBe('-EINVAL');
    expect(run([...waiting, mmap(2)], 'mainline', {}, roomy).ret).toBe('-ENOMEM');
    expect(run([...waiting, mmap(1)], 'mainline', {}, roomy).ret).toBe('-ENODEV');
    // once remove() returned the file is gone: kernfs_get_active() fails before any of them
    expect(run([unbind(), unbindFinish(), mmap(1, { shared: false })]).ret).toBe('-ENODEV');
  });

  it('restores pages, counts and refs when vm_insert_page fails on page 1; the injection is spent', () => {
    const { state, ret, events } = run([injectInsertFail(1), mmap(2)]);
    expect(ret).toBe('-ENOMEM');
    expect(events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(decode(state)).toEqual({
      fault: { armed: null, fired: 1 },
      e0: { driver: 'bound', pgmap_ref: 2, ref_dead: false, page0: page(0, null), page1: page(0, null) },
      p0: {},
    });
    expect(structPage.audit(state)).toEqual([]);
    expect(run([injectInsertFail(1), mmap(2), mmap(2)]).ret).toBe('vma0');
  });

  it('leaks the temporary pgmap ref before 6220694c52a5', () => {
    const { state } = run([injectInsertFail(), mmap(1)], 'bug-insert-leak');
    expect(decode(state)).toMatchObject({ e0: { pgmap_ref: 3 } });
    expect(structPage.audit(state)).toEqual(['e0: pgmap_ref 3 != base 2 + allocated pages 0']);
    expect(structPage.held(state)).toEqual(['e0: pgmap_ref 3, 1 above base']);
  });

  it('leaves a stale count of 1 on the failed page without the count reset', () => {
    const { state } = run([injectInsertFail(), mmap(1)], 'mainline', { insert_fail_resets_count: 'off' });
    expect(decode(state)).toMatchObject({ e0: { page0: page(1, null) } });
    expect(structPage.audit(state)).toContain('e0 page 0: free in the pool with refcount 1');
  });

  it('leaves the stale count on the failed page only, the pages after it free', () => {
    const { state } = run([injectInsertFail(0), mmap(2)], 'mainline', { insert_fail_resets_count: 'off' });
    expect(decode(state)).toMatchObject({ e0: { page0: page(1, null), page1: page(0, null) } });
  });

  it('arming twice is refused; arming past the fault limit is the model bound', () => {
    expect(run([injectInsertFail(), injectInsertFail()]).ret).toBe('-EBUSY');
    const spent = run([injectInsertFail(), mmap(1), injectInsertFail()]);
    expect(spent.rets).toEqual(['0', '-ENOMEM', 'BOUND']);
    expect(bytesOf(spent.state)).toEqual(bytesOf(spent.before));
    expect(run([injectInsertFail(), mmap(1), injectInsertFail()], 'mainline', {}, roomy).ret).toBe('0');
  });
});

describe('munmap, exit and fork', () => {
  it('munmap frees the pages through p2pdma_folio_free and the allocation with them', () => {
    const { state, events } = run([mmap(1), munmap(0)]);
    expect(decode(state)).toEqual({ e0: { driver: 'bound', pgmap_ref: 2, ref_dead: false, page0: page(0, null), page1: page(0, null) }, p0: {} });
    expect(events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
  });

  it('munmap of a VMA the process does not have is a no-op', () => {
    expect(run([munmap(0)]).ret).toBe('-EBADF');
    expect(run([mmap(1), munmap(0), munmap(0)]).ret).toBe('-EBADF');
    expect(run([mmap(1), munmap(1)]).ret).toBe('-EBADF');
  });

  it('fork copies the VMA to the same slot and shares the pages; the parent munmap does not free them; the child exit does', () => {
    const forked = run([mmap(1), fork()]);
    expect(forked.ret).toBe('p1');
    expect(decode(forked.state)).toMatchObject({ e0: { page0: page(2, 'a0') }, p1: { vma0: { alloc: 'a0', pages: '0+1', ptes: true } } });
    const parentGone = run([mmap(1), fork(), munmap(0)]);
    expect(decode(parentGone.state)).toMatchObject({ e0: { page0: page(1, 'a0') }, p0: {} });
    const childGone = run([mmap(1), fork(), munmap(0), exit(1)]);
    expect(decode(childGone.state)).toMatchObject({ e0: { page0: page(0, null) } });
    expect(decode(childGone.state)).not.toHaveProperty('p1');
  });

  it('fork copies every VMA to its own slot, a hole included; the child maps into the hole', () => {
    const r = run([mmap(1), mmap(1), munmap(0), fork(), mmap(1, { proc: 1 })], 'mainline', {}, roomy);
    expect(r.rets).toEqual(['vma0', 'vma1', '0', 'p1', 'vma0']);
    expect(decode(r.state)).toMatchObject({
      p0: { vma1: { alloc: 'a1', pages: '1+1' } },
      p1: { vma0: { alloc: 'a0', pages: '0+1' }, vma1: { alloc: 'a1', pages: '1+1' } },
    });
    expect(decode(r.state).p0).not.toHaveProperty('vma0');
  });

  it('fork fails when no process slot is free; an exited slot is taken again', () => {
    expect(run([fork(), fork()]).ret).toBe('-EAGAIN');
    expect(run([fork(), exit(1), fork()]).rets).toEqual(['p1', '0', 'p1']);
    // p0 exits: p1's fork takes slot 0
    expect(run([fork(), exit(0), fork(1)]).rets).toEqual(['p1', '0', 'p0']);
  });

  it('a reused process slot starts empty', () => {
    const r = run([fork(), mmap(1, { proc: 1 }), exit(1), fork()]);
    expect(r.rets).toEqual(['p1', 'vma0', '0', 'p1']);
    expect(decode(r.state)).toMatchObject({ p1: {} });
    expect(run([fork(), mmap(1, { proc: 1 }), exit(1), fork(), touch(0, 0, 1)]).ret).toBe('SIGSEGV');
  });

  it('exit unmaps everything and deregisters MRs', () => {
    const { state } = run([mmap(1), regMr(0, { importer: NIC1, odp: false }), exit()], 'lsfmm-2020');
    expect(decode(state)).toEqual({ e0: { driver: 'bound', pgmap_ref: 2, ref_dead: false, page0: page(0, null), page1: page(0, null) } });
    expect(structPage.held(state)).toEqual([]);
  });

  it('exit of a dead or unknown process is -ESRCH', () => {
    expect(run([exit(1)]).ret).toBe('-ESRCH');
    expect(run([exit(-1)]).ret).toBe('-ESRCH');
  });
});

describe('user touch', () => {
  it('works while mapped', () => {
    const { ret, events } = run([mmap(1), touch(0)]);
    expect(ret).toBe('0');
    expect(events).toEqual([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 0 }]);
    expect(run([mmap(2), touch(0, 1)]).events).toEqual([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 1 }]);
  });
  it('gets SIGBUS after unbind zapped the PTEs (kernfs_vma_fault)', () => {
    const r = run([mmap(1), unbind(), touch(0)]);
    expect([r.ret, r.events]).toEqual(['SIGBUS', [{ kind: 'sigbus', proc: 0 }]]);
  });
  it('gets SIGSEGV after munmap or outside the VMA; -EBADF for a VMA slot past the world', () => {
    expect(run([mmap(1), munmap(0), touch(0)]).ret).toBe('SIGSEGV');
    expect(run([mmap(1), touch(0, 1)]).ret).toBe('SIGSEGV');
    expect(run([mmap(1), touch(1)]).ret).toBe('-EBADF');
  });
});

describe('GUP paths', () => {
  it('O_DIRECT through a P2P queue pins with FOLL_PCI_P2PDMA', () => {
    const { state, ret, events } = run([mmap(1), pread(0)]);
    expect(ret).toBe('io0');
    expect(events).toEqual([{ kind: 'pin', exporter: 0, page: 0 }]);
    expect(decode(state)).toMatchObject({ e0: { page0: page(2, 'a0') }, io0: { importer: 'nvme0', page: 'e0 page 0' } });
  });
  it('O_DIRECT through a queue without P2P support gets -EREMOTEIO', () => {
    expect(run([mmap(1), pread(1)]).ret).toBe('-EREMOTEIO');
  });
  it('without the gate every queue gets the BAR page', () => {
    expect(run([mmap(1), pread(1)], 'lsfmm-2020').ret).toBe('io0');
  });
  it('O_DIRECT to a NIC is not a block device', () => {
    expect(run([mmap(1), pread(2)]).ret).toBe('-EINVAL');
  });
  it('O_DIRECT after unbind zapped the mapping faults (-EFAULT)', () => {
    expect(run([mmap(1), unbind(), pread(0)]).ret).toBe('-EFAULT');
  });
  it('O_DIRECT with every bio in flight is -EAGAIN (RWF_NOWAIT), the state as it was', () => {
    const r = run([mmap(1), pread(0), pwrite(0)]);
    expect(r.ret).toBe('-EAGAIN');
    expect(r.events).toEqual([]);
    expect(bytesOf(r.state)).toEqual(bytesOf(r.before));
    expect(run([mmap(1), pread(0), pwrite(0)], 'mainline', {}, roomy).ret).toBe('io1');
  });
  it("the GUP-then-kmap path is refused in mainline: the pin's -EREMOTEIO, reported as -EFAULT", () => {
    const r = run([mmap(1), kernelCopy()]);
    expect([r.ret, r.events]).toEqual(['-EFAULT', []]);
  });
  it('the GUP-then-kmap path kmaps a BAR page without the gate', () => {
    const { ret, events, state, before } = run([mmap(1), kernelCopy()], 'lsfmm-2020');
    expect(ret).toBe('0');
    expect(events).toContainEqual({ kind: 'cpu_access', by: 'kernel', exporter: 0, page: 0 });
    expect(bytesOf(state)).toEqual(bytesOf(before));
    expect(run([mmap(2), kernelCopy(0, 1)], 'lsfmm-2020').events).toContainEqual({ kind: 'cpu_access', by: 'kernel', exporter: 0, page: 1 });
  });
});

describe('RDMA MRs', () => {
  it('ib_umem_get without FOLL_PCI_P2PDMA gets -EREMOTEIO', () => {
    expect(run([mmap(1), regMr(0, { odp: false })]).ret).toBe('-EREMOTEIO');
  });
  it('FOLL_LONGTERM|FOLL_PCI_P2PDMA is refused (is_valid_gup_args)', () => {
    expect(run([mmap(1), regMr(0, { odp: false })], 'mainline', { umem_p2pdma: 'on' }).ret).toBe('-EINVAL');
  });
  it('with long-term P2P pins allowed the MR pins every page', () => {
    const { state, ret } = run([mmap(2), regMr(0, { odp: false })], 'mainline', { umem_p2pdma: 'on', longterm_p2pdma: 'allowed' });
    expect(ret).toBe('mr0');
    expect(decode(state)).toMatchObject({
      e0: { page0: page(2, 'a0'), page1: page(2, 'a0') },
      mr0: { proc: 'p0', importer: 'nic0', vma: 'vma0', odp: false, pinned: ['e0 page 0', 'e0 page 1'] },
    });
  });
  it('a route-less pair fails the DMA map with -EREMOTEIO', () => {
    expect(run([mmap(1), regMr(0, { importer: NIC1, odp: false })], 'lsfmm-2020', { dma_map_checks_route: 'on' }).ret).toBe('-EREMOTEIO');
  });
  it("O_DIRECT over no route fails the queue's DMA map with -EINVAL (blk_rq_dma_map_iter_start)", () => {
    const noRoute: Config = { ...defaultConfig, routes: defaultConfig.routes.map((r, i) => (i === 0 ? ['none'] : r)) };
    expect(run([mmap(1), pread(0)], 'mainline', {}, noRoute).ret).toBe('-EINVAL');
  });
  it('before v6.0 O_DIRECT over no route is submitted, then requeued for ever: no DMA, no completion, the pin held (BLK_STS_RESOURCE)', () => {
    const noRoute: Config = { ...defaultConfig, routes: defaultConfig.routes.map((r, i) => (i === 0 ? ['none'] : r)) };
    const knobs = { dma_map_checks_route: 'nvme-only' };
    expect(run([mmap(1), pread(0)], 'mainline', knobs, noRoute).ret).toBe('io0');
    for (const device of [ioDma(0), ioComplete(0)]) {
      const { ret, events } = run([mmap(1), pread(0), device], 'mainline', knobs, noRoute);
      expect([ret, events]).toEqual(['-ENOMEM', []]);
    }
    const { state } = run([mmap(1), pread(0), ioDma(0), ioComplete(0), exit(0)], 'mainline', knobs, noRoute);
    expect(decode(state)).toMatchObject({ e0: { page0: { refcount: 1 } }, io0: { importer: 'nvme0' } });
  });
  it('a pre-v6.0 DMA map lets the NIC DMA over no route', () => {
    const { ret, events } = run([mmap(1), regMr(0, { importer: NIC1, odp: false }), mrDma(0, 0, NIC1)], 'lsfmm-2020');
    expect(ret).toBe('0');
    expect(events).toEqual([{ kind: 'dma', importer: NIC1, path: 'mr', target: { mem: 'bar', exporter: 0, page: 0, stale: false }, route: 'none' }]);
  });
  it('ODP on a NIC without ODP is -EOPNOTSUPP; a NIC that is not RDMA -EINVAL', () => {
    const noOdp: Config = { ...defaultConfig, importers: defaultConfig.importers.map((i) => (i.kind === 'rdma' ? { ...i, odp: false } : i)) };
    expect(run([mmap(1), regMr()], 'mainline', {}, noOdp).ret).toBe('-EOPNOTSUPP');
    // ib_check_mr_access() comes before any question of the range
    expect(run([regMr()], 'mainline', {}, noOdp).ret).toBe('-EOPNOTSUPP');
    expect(run([mmap(1), regMr(0, { importer: 0, odp: false })]).ret).toBe('-EINVAL');
  });
  it('an ODP MR registers; before hmm_range_fault() took VM_MIXEDMAP its fault on a P2P page fails', () => {
    expect(run([mmap(1), regMr()]).ret).toBe('mr0');
    expect(run([mmap(1), regMr(), mrDma()], 'mainline', { odp_p2pdma: 'off' }).ret).toBe('-EFAULT');
  });
  it('an ODP MR maps on fault (hmm_dma_map_pfn) and is invalidated by munmap', () => {
    const knobs = {};
    const faulted = run([mmap(1), regMr(), mrDma()], 'mainline', knobs);
    expect(faulted.ret).toBe('0');
    expect(decode(faulted.state)).toMatchObject({ mr0: { dma_list: ['e0 page 0'] } });
    const { events, state } = run([mmap(1), regMr(), mrDma(), munmap(0)], 'mainline', knobs);
    expect(events).toContainEqual({ kind: 'invalidate', importer: 2, mr: 0 });
    expect(decode(state)).toMatchObject({ mr0: { dma_list: [null] } });
  });
  it('an ODP MR mirrors its address range: after munmap and a new mmap in the slot it faults the new mapping', () => {
    const r = run([mmap(1), regMr(), munmap(0), mmap(2), mrDma()]);
    expect(r.rets).toEqual(['vma0', 'mr0', '0', 'vma0', '0']);
    // the new allocation took pages 0 and 1; the MR's page 0 is the new page 0
    expect(decode(r.state)).toMatchObject({ a0: { pages: '0+2' }, mr0: { dma_list: ['e0 page 0'] } });
    expect(run([mmap(1), regMr(), munmap(0), mrDma()]).ret).toBe('-EFAULT');
  });
  it('a second MR past the per-process limit is -ENOMEM; the other process has its own', () => {
    const r = run([mmap(1), regMr(), regMr()]);
    expect(r.ret).toBe('-ENOMEM');
    expect(bytesOf(r.state)).toEqual(bytesOf(r.before));
    expect(run([mmap(1), regMr(), fork(), regMr(0, { proc: 1 })]).ret).toBe('mr1');
  });
  it('dereg drops the pins; a foreign or dead MR is -EBADF; the freed MR slot is taken again', () => {
    const { state, events } = run([mmap(1), regMr(0, { odp: false }), deregMr()], 'lsfmm-2020');
    expect(events).toEqual([{ kind: 'unpin', exporter: 0, page: 0 }]);
    expect(decode(state)).toMatchObject({ e0: { page0: page(1, 'a0') } });
    expect(decode(state)).not.toHaveProperty('mr0');
    expect(run([deregMr()]).ret).toBe('-EBADF');
    expect(run([mmap(1), regMr(), deregMr(0, 1)]).ret).toBe('-EBADF');
    expect(run([mmap(1), regMr(), deregMr(), deregMr()]).ret).toBe('-EBADF');
    expect(run([mmap(1), regMr(), deregMr(), regMr()]).rets).toEqual(['vma0', 'mr0', '0', 'mr0']);
  });
});

describe('devices', () => {
  it('the NVMe DMA targets the pinned page; completion unpins and frees the bio slot for the next', () => {
    const dma = run([mmap(1), pread(0), ioDma()]);
    expect(dma.events).toEqual([{ kind: 'dma', importer: 0, path: 'odirect', target: { mem: 'bar', exporter: 0, page: 0, stale: false }, route: 'bus-addr' }]);
    const done = run([mmap(1), pread(0), munmap(0), ioComplete()]);
    expect(done.events).toEqual([
      { kind: 'page_free', exporter: 0, page: 0 },
      { kind: 'unpin', exporter: 0, page: 0 },
    ]);
    expect(decode(done.state)).toEqual({ e0: { driver: 'bound', pgmap_ref: 2, ref_dead: false, page0: page(0, null), page1: page(0, null) }, p0: {} });
    expect(run([mmap(1), pread(0), ioComplete(), ioComplete()]).ret).toBe('-EBADF');
    expect(run([mmap(1), pread(0), ioComplete(), pread(0)]).rets).toEqual(['vma0', 'io0', '0', 'io0']);
  });
  it('an in-flight bio keeps the page through munmap', () => {
    const { state } = run([mmap(1), pread(0), munmap(0)]);
    expect(decode(state)).toMatchObject({ e0: { page0: page(1, 'a0') }, a0: { pages: '0+1' }, io0: { page: 'e0 page 0' } });
  });
  it('a page freed under a holder makes exactly its holders stale (refs forged one short: no preset frees a held page)', () => {
    // e0 and e1 of one page each; a bio and a pinned MR on each page; then e0's page loses a ref it should hold
    const two: Config = { ...withExporters([1, 1]), limits: { ...defaultConfig.limits, vmas: 2, mrs: 2, bios: 2, allocations: 2 } };
    const pinned = { odp: false, importer: NIC1 };
    const held = run([mmap(1), mmap(1, { exporter: 1 }), pread(0, 0), pread(0, 1), regMr(0, pinned), regMr(1, pinned)], 'lsfmm-2020', {}, two);
    expect(held.rets).toEqual(['vma0', 'vma1', 'io0', 'io1', 'mr0', 'mr1']);
    const forged = held.state.m.wrap(bytesOf(held.state), 0);
    forged.page(0, 0).refcount = 1;
    const freed = structPage.step(forged, munmap(0)).state;
    const target = (r: { events: readonly unknown[] }) => (r.events[0] as { target: unknown }).target;
    expect([ioDma(0), ioDma(1), mrDma(0, 0, NIC1), mrDma(1, 0, NIC1)].map((a) => target(structPage.step(freed, a)))).toEqual([
      { mem: 'bar', exporter: 0, page: 0, stale: true },
      { mem: 'bar', exporter: 1, page: 0, stale: false },
      { mem: 'bar', exporter: 0, page: 0, stale: true },
      { mem: 'bar', exporter: 1, page: 0, stale: false },
    ]);
  });
  it("munmap invalidates only the ODP MRs on that VMA", () => {
    const r = run([mmap(1), mmap(1), regMr(1), munmap(0)], 'mainline', {}, roomy);
    expect(r.events).toEqual([{ kind: 'page_free', exporter: 0, page: 0 }]);
    expect(run([mmap(1), mmap(1), regMr(1), munmap(1)], 'mainline', {}, roomy).events).toContainEqual({ kind: 'invalidate', importer: 2, mr: 0 });
  });
  it('an ODP MR faults nothing past the VMA now in its slot (a smaller one mapped after munmap)', () => {
    expect(run([mmap(2), regMr(0), munmap(0), mmap(1), mrDma(0, 1)], 'lsfmm-2020').ret).toBe('-EFAULT');
    expect(run([mmap(2), regMr(0), munmap(0), mmap(2), mrDma(0, 1)], 'lsfmm-2020').ret).toBe('0');
  });
  it('ack_invalidate has nothing to ack: ODP fences inside the notifier', () => {
    expect(run([mmap(1), regMr(), ack()]).ret).toBe('-ENOENT');
    expect(run([ack()]).ret).toBe('-EBADF');
  });
  it('a page freed under a holder marks the holder stale, and its DMA says so', () => {
    // unreachable in every preset (a bio holds a page ref); a state with that ref missing shows the mechanism
    const { state } = run([mmap(1), pread(0)]);
    state.page(0, 0).refcount = 1;
    const freed = structPage.step(state, munmap(0));
    expect(freed.events).toContainEqual({ kind: 'page_free', exporter: 0, page: 0 });
    expect(decode(freed.state)).toMatchObject({ io0: { page: 'e0 page 0 (stale)' } });
    expect(structPage.step(freed.state, ioDma()).events).toEqual([
      { kind: 'dma', importer: 0, path: 'odirect', target: { mem: 'bar', exporter: 0, page: 0, stale: true }, route: 'bus-addr' },
    ]);
  });
});

describe('unbind', () => {
  it('zaps, kills the ref, and finishes once idle', () => {
    const started = run([mmap(1), unbind()]);
    expect(decode(started.state)).toMatchObject({ e0: { driver: 'unbinding', ref_dead: true, pgmap_ref: 0, page0: page(0, null) } });
    expect(structPage.view(started.state).obligations).toBe(1);
    const done = run([mmap(1), unbind(), unbindFinish()]);
    expect(decode(done.state)).toMatchObject({ e0: { driver: 'unbound' } });
    expect(structPage.view(done.state).obligations).toBe(0);
  });
  it('waits for an in-flight O_DIRECT pin, then finishes after completion', () => {
    const waiting = run([mmap(1), pread(0), unbind(), unbindFinish()]);
    expect(waiting.ret).toBe('-EBUSY');
    expect(waiting.events).toEqual([{ kind: 'wait', exporter: 0, on: 'pgmap->ref' }]);
    expect(bytesOf(waiting.state)).toEqual(bytesOf(waiting.before));
    expect(run([mmap(1), pread(0), unbind(), ioComplete(), unbindFinish()]).ret).toBe('0');
  });
  it('finishes under an in-flight pin when pages hold no pgmap ref (27674ef6c73f)', () => {
    const { state, ret, events } = run([mmap(1), pread(0), unbind(), unbindFinish(), ioDma()], 'bug-zone-device-refcount');
    expect(ret).toBe('0');
    expect(decode(state)).toMatchObject({ e0: { driver: 'unbound' } });
    expect(events).toEqual([{ kind: 'dma', importer: 0, path: 'odirect', target: { mem: 'bar', exporter: 0, page: 0, stale: false }, route: 'bus-addr' }]);
  });
  it('a second unbind and a finish without unbind are refused', () => {
    expect(run([unbind(), unbind()]).ret).toBe('-ENODEV');
    expect(run([unbindFinish()]).ret).toBe('-EBADF');
    expect(run([unbind(), unbindFinish(), unbindFinish()]).ret).toBe('-EBADF');
  });
});

describe('eviction (revoke as far as p2pdma allows)', () => {
  it('zaps the allocation and finishes once its pages are free; the slot is free after', () => {
    const { state, ret } = run([mmap(1), evict(), evictFinish()]);
    expect(ret).toBe('0');
    expect(decode(state)).toMatchObject({ e0: { page0: page(0, null) }, p0: { vma0: { alloc: null, ptes: false } } });
    expect(decode(state)).not.toHaveProperty('a0');
    expect(run([mmap(1), evict(), touch(0)]).ret).toBe('SIGBUS');
    // p0's zapped VMA still holds its only slot: p1 maps, into allocation slot 0 again
    const again = run([mmap(1), evict(), evictFinish(), fork(), munmap(0, 1), mmap(1, { proc: 1 })]);
    expect(again.ret).toBe('vma0');
    expect(decode(again.state)).toMatchObject({ a0: { pages: '0+1' }, p1: { vma0: { alloc: 'a0' } } });
  });
  it('an evicting allocation keeps its slot after its pages are freed', () => {
    const { state } = run([mmap(1), evict()]);
    expect(decode(state)).toMatchObject({ e0: { page0: page(0, null) }, a0: { evicting: true } });
    expect(structPage.view(state).exporters[0]!.evicting).toEqual([0]);
  });
  it('waits while a pin holds a page', () => {
    expect(run([mmap(1), pread(0), evict(), evictFinish()]).ret).toBe('-EBUSY');
    expect(run([mmap(1), pread(0), evict(), ioComplete(), evictFinish()]).ret).toBe('0');
  });
  it.each<[string, Action[], Ret]>([
    ['an allocation slot past the world', [evict(2)], '-EBADF'],
    ['an allocation slot never used', [evict()], '-ENOENT'],
    ['a freed allocation', [mmap(1), munmap(0), evict()], '-ENOENT'],
    ['another exporter', [mmap(1), evict(0, 1)], '-EBADF'],
    ['an allocation already evicting', [mmap(1), pread(0), evict(), evict()], '-EBUSY'],
    ['an allocation whose pages unbind freed', [mmap(1), unbind(), evict()], '-ENOENT'],
    ['evict_finish of one not evicting', [mmap(1), evictFinish()], '-EBADF'],
    ['a nonsense id', [mmap(1), evict(1.5)], '-EBADF'],
    ['a negative id', [mmap(1), evict(-1)], '-EBADF'],
    ['an evicting allocation whose pages are all free', [mmap(1), evict(), evict()], '-ENOENT'],
  ])('refuses %s', (_name, actions, ret) => {
    const r = run(actions);
    expect(r.ret).toBe(ret);
    expect(bytesOf(r.state)).toEqual(bytesOf(r.before));
  });
});

describe('mmap before vma_link_file(): a window unmap_mapping_range() cannot see', () => {
  it('mmap_start inserts the pages; an unbind then zaps nothing, and once linked the PTEs keep memunmap_pages() waiting', () => {
    const started = run([mmapStart(1)]);
    expect(started.ret).toBe('vma0');
    expect(decode(started.state)).toMatchObject({ e0: { page0: page(1, 'a0') } });
    const { ret, state } = run([mmapStart(1), unbind(), mmapLink(), unbindFinish()]);
    expect(ret).toBe('-EBUSY');
    expect(decode(state)).toMatchObject({ e0: { page0: page(1, 'a0') } });
    // linked first, the same unbind zaps the PTEs and finishes
    expect(run([mmapStart(1), mmapLink(), unbind(), unbindFinish()]).ret).toBe('0');
  });
  it('an eviction misses it the same way', () => {
    expect(run([mmapStart(1), evict(), mmapLink(), evictFinish()]).ret).toBe('-EBUSY');
    expect(run([mmapStart(1), mmapLink(), evict(), evictFinish()]).ret).toBe('0');
  });
  it('an mmap_start whose insert fails leaves no VMA linking: the injection spent, nothing else', () => {
    const { state, ret } = run([injectInsertFail(1), mmapStart(2)]);
    expect(ret).toBe('-ENOMEM');
    expect(decode(state)).toEqual(decode(run([injectInsertFail(1), mmap(2)]).state));
    expect(state.vma(0, 0).linking).toBe(false);
    expect(run([injectInsertFail(1), mmapStart(2), mmapLink()]).ret).toBe('-EBADF');
  });
  it('mmap_link: -ESRCH for no live task, -EBADF for a VMA slot not inside mmap()', () => {
    expect(run([mmapLink(0, 1)]).ret).toBe('-ESRCH');
    expect(run([mmapLink(0, 7)]).ret).toBe('-ESRCH');
    expect(run([mmap(1), mmapLink()]).ret).toBe('-EBADF');
    expect(run([mmapStart(1), mmapLink(3)]).ret).toBe('-EBADF');
  });
  it("an ODP fault on the range waits for the mmap's mmap_lock", () => {
    expect(run([mmap(1), regMr(0, { odp: true }), munmap(0), mmapStart(1), mrDma(0, 0)]).ret).toBe('-EBUSY');
    expect(run([mmap(1), regMr(0, { odp: true }), munmap(0), mmapStart(1), mmapLink(), mrDma(0, 0)]).ret).toBe('0');
  });
  it('until it links, the task is inside mmap(): its other calls wait (-EBUSY) and only the link is offered', () => {
    const { state } = run([mmapStart(1)]);
    for (const a of [exit(0), munmap(0), touch(0), pread(0), fork(0)]) expect(structPage.step(state, a).ret, a.kind).toBe('-EBUSY');
    expect(structPage.enabled(state).filter((a) => 'proc' in a && a.proc === 0)).toEqual([mmapLink()]);
    expect(run([mmapLink()]).ret).toBe('-EBADF');
  });
});

