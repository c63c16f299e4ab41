// Step table for the struct-page design: every transition and errno of
// DOMAIN.md §2, from init with the default config.
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../../model/design.js';
import { structPage } from '../../../model/struct-page/index.js';
import type { SpState } from '../../../model/struct-page/state.js';
import { type Action, defaultConfig, type Event, type Ret } from '../../../model/vocabulary.js';
import { ack, deregMr, evict, evictFinish, exit, fork, injectInsertFail, ioComplete, ioDma, kernelCopy, mmap, mrDma, munmap, pread, regMr, touch, unbind, unbindFinish } from '../../actions.js';

// Default config: e0 has 2 pages; nvme0 (P2P queue, bus-addr), nvme1 (no
// P2P queue), nic0 (ODP, host-bridge), nic1 (no ODP, route none); 2 slots.
function run(prefix: readonly Action[], preset = 'mainline', overrides: Record<string, string> = {}) {
  const spec = structPage.presets.find((p) => p.name === preset)!;
  let state = structPage.init(defaultConfig, resolveKnobs(structPage, spec, overrides));
  const rets: Ret[] = [];
  let events: readonly Event[] = [];
  for (const action of prefix) {
    const r = structPage.step(state, action);
    state = r.state;
    rets.push(r.ret);
    events = r.events;
  }
  return { state, rets, last: rets[rets.length - 1], events };
}

const page = (s: SpState, p: number) => s.exporters[0]!.pages[p]!;
const pgmapRef = (s: SpState) => s.exporters[0]!.pgmap_ref;

describe('p2pmem_alloc_mmap', () => {
  it('maps n pages at count 1 with one pgmap ref each', () => {
    const { state, last } = run([mmap(2)]);
    expect(last).toBe('vma0');
    expect(page(state, 0)).toEqual({ refcount: 1, owner: 0, gen: 0 });
    expect(page(state, 1)).toEqual({ refcount: 1, owner: 0, gen: 0 });
    expect(pgmapRef(state)).toBe(2 + 2);
    expect(structPage.audit(state)).toEqual([]);
  });

  it.each<[string, Action, Ret]>([
    ['MAP_PRIVATE (no VM_MAYSHARE)', { ...mmap(1), shared: false } as Action, '-EINVAL'],
    ['a nonzero offset (vm_pgoff)', { ...mmap(1), offset: 1 } as Action, '-EINVAL'],
    ['more pages than the pool (gen_pool_alloc_owner)', mmap(3), '-ENOMEM'],
    ['zero length', mmap(0), '-EINVAL'],
    ['a process that does not exist', mmap(1, { proc: 1 }), '-ESRCH'],
  ])('refuses %s', (_name, action, ret) => {
    const { last, state } = run([action]);
    expect(last).toBe(ret);
    expect(state).toEqual(run([]).state);
  });

  it('refuses once the pool is exhausted by an earlier mapping', () => {
    expect(run([mmap(2), mmap(1)]).last).toBe('-ENOMEM');
  });

  it('fails with -ENODEV once unbind has started (kernfs_get_active)', () => {
    expect(run([unbind(), mmap(1)]).last).toBe('-ENODEV');
  });

  it('restores pages, counts and refs when vm_insert_page fails on page 1', () => {
    const { state, last } = run([injectInsertFail(1), mmap(2)]);
    expect(last).toBe('-ENOMEM');
    expect(page(state, 0)).toMatchObject({ refcount: 0, owner: null });
    expect(page(state, 1)).toMatchObject({ refcount: 0, owner: null });
    expect(pgmapRef(state)).toBe(2);
    expect(structPage.audit(state)).toEqual([]);
    expect(state.injectInsertFail).toBeNull();
  });

  it('leaks the temporary pgmap ref before 6220694c52a5', () => {
    const { state } = run([injectInsertFail(), mmap(1)], 'bug-insert-leak');
    expect(pgmapRef(state)).toBe(3);
    expect(structPage.audit(state)[0]).toMatch(/pgmap_ref 3 != base 2/);
    expect(structPage.held(state)).toEqual(['e0: pgmap_ref 3, 1 above base']);
  });

  it('leaves a stale count of 1 on the failed page without the count reset', () => {
    const { state } = run([injectInsertFail(), mmap(1)], 'mainline', {
      insert_fail_resets_count: 'off',
    });
    expect(page(state, 0)).toMatchObject({ refcount: 1, owner: null });
    expect(structPage.audit(state)).toContain('e0 page 0: free in the pool with refcount 1');
  });

  it('arming the injection twice is refused', () => {
    expect(run([injectInsertFail(), injectInsertFail()]).last).toBe('-EBUSY');
  });
});

describe('munmap, exit and fork', () => {
  it('munmap frees the pages through p2pdma_folio_free and bumps their generation', () => {
    const { state, events } = run([mmap(1), munmap(0)]);
    expect(page(state, 0)).toEqual({ refcount: 0, owner: null, gen: 1 });
    expect(pgmapRef(state)).toBe(2);
    expect(events).toContainEqual({ kind: 'page_free', exporter: 0, page: 0 });
  });

  it('munmap of a VMA the process does not have is a no-op', () => {
    expect(run([munmap(0)]).last).toBe('-EBADF');
    expect(run([mmap(1), munmap(0), munmap(0)]).last).toBe('-EBADF');
  });

  it('fork shares the pages; the parent munmap does not free them; the child exit does', () => {
    const forked = run([mmap(1), fork()]);
    expect(forked.last).toBe('p1');
    expect(page(forked.state, 0).refcount).toBe(2);
    const parentGone = run([mmap(1), fork(), munmap(0)]);
    expect(page(parentGone.state, 0)).toMatchObject({ refcount: 1, owner: 0 });
    const childGone = run([mmap(1), fork(), munmap(0), exit(1)]);
    expect(page(childGone.state, 0)).toMatchObject({ refcount: 0, owner: null });
  });

  it('fork fails when no process slot is free', () => {
    expect(run([fork(), fork()]).last).toBe('-EAGAIN');
  });

  it('exit unmaps everything and deregisters MRs', () => {
    const { state } = run([mmap(1), regMr(0, { importer: 3, odp: false }), exit()], 'lsfmm-2020');
    expect(page(state, 0)).toMatchObject({ refcount: 0, owner: null });
    expect(state.mrs[0]!.live).toBe(false);
    expect(structPage.held(state)).toEqual([]);
  });
});

describe('user touch', () => {
  it('works while mapped', () => {
    const { last, events } = run([mmap(1), touch(0)]);
    expect(last).toBe('0');
    expect(events).toEqual([{ kind: 'cpu_access', by: 'user', exporter: 0, page: 0 }]);
  });
  it('gets SIGBUS after unbind zapped the PTEs (kernfs_vma_fault)', () => {
    expect(run([mmap(1), unbind(), touch(0)]).last).toBe('SIGBUS');
  });
  it('gets SIGSEGV after munmap or outside the VMA', () => {
    expect(run([mmap(1), munmap(0), touch(0)]).last).toBe('SIGSEGV');
    expect(run([mmap(1), touch(0, 1)]).last).toBe('SIGSEGV');
  });
});

describe('GUP paths', () => {
  it('O_DIRECT through a P2P queue pins with FOLL_PCI_P2PDMA', () => {
    const { state, last } = run([mmap(1), pread(0)]);
    expect(last).toBe('io0');
    expect(page(state, 0).refcount).toBe(2);
    expect(state.ios[0]).toMatchObject({ inflight: true, pin: { alloc: 0, gen: 0 } });
  });
  it('O_DIRECT through a queue without P2P support gets -EREMOTEIO', () => {
    expect(run([mmap(1), pread(1)]).last).toBe('-EREMOTEIO');
  });
  it('without the gate every queue gets the BAR page', () => {
    expect(run([mmap(1), pread(1)], 'lsfmm-2020').last).toBe('io0');
  });
  it('O_DIRECT to a NIC is not a block device', () => {
    expect(run([mmap(1), pread(2)]).last).toBe('-EINVAL');
  });
  it('O_DIRECT after unbind zapped the mapping faults (-EFAULT)', () => {
    expect(run([mmap(1), unbind(), pread(0)]).last).toBe('-EFAULT');
  });
  it('the GUP-then-kmap path gets -EREMOTEIO in mainline', () => {
    expect(run([mmap(1), kernelCopy()]).last).toBe('-EREMOTEIO');
  });
  it('the GUP-then-kmap path kmaps a BAR page without the gate', () => {
    const { last, events } = run([mmap(1), kernelCopy()], 'lsfmm-2020');
    expect(last).toBe('0');
    expect(events).toContainEqual({ kind: 'cpu_access', by: 'kernel', exporter: 0, page: 0 });
  });
});

describe('RDMA MRs', () => {
  it('ib_umem_get without FOLL_PCI_P2PDMA gets -EREMOTEIO', () => {
    expect(run([mmap(1), regMr(0, { odp: false })]).last).toBe('-EREMOTEIO');
  });
  it('FOLL_LONGTERM|FOLL_PCI_P2PDMA is refused (is_valid_gup_args)', () => {
    expect(run([mmap(1), regMr(0, { odp: false })], 'mainline', { umem_p2pdma: 'on' }).last).toBe('-EINVAL');
  });
  it('with long-term P2P pins allowed the MR pins every page', () => {
    const { state, last } = run([mmap(2), regMr(0, { odp: false })], 'mainline', { umem_p2pdma: 'on', longterm_p2pdma: 'allowed' });
    expect(last).toBe('mr0');
    expect(page(state, 0).refcount).toBe(2);
    expect(page(state, 1).refcount).toBe(2);
  });
  it('a route-less pair fails the DMA map with -EREMOTEIO', () => {
    expect(run([mmap(1), regMr(0, { importer: 3, odp: false })], 'lsfmm-2020', { dma_map_checks_route: 'on' }).last).toBe('-EREMOTEIO');
  });
  it('a pre-v6.0 DMA map lets the NIC DMA over no route', () => {
    const { last, events } = run([mmap(1), regMr(0, { importer: 3, odp: false }), mrDma(0, 0, 3)], 'lsfmm-2020');
    expect(last).toBe('0');
    expect(events[0]).toMatchObject({ kind: 'dma', route: 'none', path: 'mr' });
  });
  it('ODP on a NIC without ODP is -EOPNOTSUPP; a NIC that is not RDMA -EINVAL', () => {
    const noOdp = { ...defaultConfig, importers: defaultConfig.importers.map((i) => (i.kind === 'rdma' ? { ...i, odp: false } : i)) };
    let state = structPage.init(noOdp, resolveKnobs(structPage, structPage.presets[0]!));
    state = structPage.step(state, mmap(1)).state;
    expect(structPage.step(state, regMr()).ret).toBe('-EOPNOTSUPP');
    expect(run([mmap(1), regMr(0, { importer: 0, odp: false })]).last).toBe('-EINVAL');
  });
  it('an ODP MR registers but its fault on a P2P page fails', () => {
    expect(run([mmap(1), regMr()]).last).toBe('mr0');
    expect(run([mmap(1), regMr(), mrDma()]).last).toBe('-EFAULT');
  });
  it('a P2P-aware ODP MR maps on fault and is invalidated by munmap', () => {
    const knobs = { odp_p2pdma: 'on' };
    expect(run([mmap(1), regMr(), mrDma()], 'mainline', knobs).last).toBe('0');
    const { events, state } = run([mmap(1), regMr(), mrDma(), munmap(0)], 'mainline', knobs);
    expect(events).toContainEqual({ kind: 'invalidate', importer: 2, mr: 0 });
    expect(state.mrs[0]!.odpMapped).toEqual([null]);
  });
  it('dereg drops the pins; a foreign or dead MR is -EBADF', () => {
    const { state } = run([mmap(1), regMr(0, { odp: false }), deregMr()], 'lsfmm-2020');
    expect(page(state, 0).refcount).toBe(1);
    expect(run([deregMr()]).last).toBe('-EBADF');
  });
});

describe('devices', () => {
  it('the NVMe DMA targets the pinned allocation; completion unpins', () => {
    const dma = run([mmap(1), pread(0), ioDma()]);
    expect(dma.events[0]).toMatchObject({ kind: 'dma', path: 'odirect', route: 'bus-addr', target: { alloc: 0 } });
    const done = run([mmap(1), pread(0), munmap(0), ioComplete()]);
    expect(page(done.state, 0)).toMatchObject({ refcount: 0, owner: null });
    expect(run([mmap(1), pread(0), ioComplete(), ioComplete()]).last).toBe('-EBADF');
  });
  it('an in-flight bio keeps the page through munmap', () => {
    const { state } = run([mmap(1), pread(0), munmap(0)]);
    expect(page(state, 0)).toMatchObject({ refcount: 1, owner: 0 });
  });
  it('ack_invalidate has nothing to ack: ODP fences inside the notifier', () => {
    expect(run([ack()]).last).toBe('-ENOENT');
  });
});

describe('unbind', () => {
  it('zaps, kills the ref, and finishes once idle', () => {
    const started = run([mmap(1), unbind()]);
    expect(started.state.exporters[0]).toMatchObject({ driver: 'unbinding', ref_dead: true, pgmap_ref: 0 });
    expect(page(started.state, 0)).toMatchObject({ owner: null });
    expect(run([mmap(1), unbind(), unbindFinish()]).state.exporters[0]!.driver).toBe('unbound');
  });
  it('waits for an in-flight O_DIRECT pin, then finishes after completion', () => {
    const waiting = run([mmap(1), pread(0), unbind(), unbindFinish()]);
    expect(waiting.last).toBe('-EBUSY');
    expect(waiting.events).toEqual([{ kind: 'wait', exporter: 0, on: 'pgmap->ref' }]);
    expect(run([mmap(1), pread(0), unbind(), ioComplete(), unbindFinish()]).last).toBe('0');
  });
  it('finishes under an in-flight pin when pages hold no pgmap ref (27674ef6c73f)', () => {
    const { state, last, events } = run([mmap(1), pread(0), unbind(), unbindFinish(), ioDma()], 'bug-zone-device-refcount');
    expect(last).toBe('0');
    expect(state.exporters[0]!.driver).toBe('unbound');
    expect(events[0]).toMatchObject({ kind: 'dma', target: { mem: 'bar', exporter: 0 } });
  });
  it('a second unbind and a finish without unbind are refused', () => {
    expect(run([unbind(), unbind()]).last).toBe('-ENODEV');
    expect(run([unbindFinish()]).last).toBe('-EBADF');
  });
});

describe('eviction (revoke as far as p2pdma allows)', () => {
  it('zaps the allocation and finishes once its pages are free', () => {
    const { state, last } = run([mmap(1), evict(), evictFinish()]);
    expect(last).toBe('0');
    expect(page(state, 0).owner).toBeNull();
    expect(run([mmap(1), evict(), touch(0)]).last).toBe('SIGBUS');
  });
  it('waits while a pin holds a page', () => {
    expect(run([mmap(1), pread(0), evict(), evictFinish()]).last).toBe('-EBUSY');
    expect(run([mmap(1), pread(0), evict(), ioComplete(), evictFinish()]).last).toBe('0');
  });
  it('refuses unknown, dead, or already-evicting allocations', () => {
    expect(run([evict()]).last).toBe('-EBADF');
    expect(run([mmap(1), munmap(0), evict()]).last).toBe('-ENOENT');
    expect(run([mmap(1), pread(0), evict(), evict()]).last).toBe('-EBUSY');
    expect(run([mmap(1), unbind(), evict()]).last).toBe('-ENOENT');
  });
});
