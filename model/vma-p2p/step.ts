// vma-p2p transitions, one function per action: guard first (the errno
// the kernel returns, state untouched), then the update on the copy
// out.draft() gives.
import type { DesignHandlers } from '../machine.js';
import { clearBytes, NONE } from '../packed.js';
import { routeOf } from '../shared.js';
import {
  allocArgument,
  exporterAlloc,
  exporterExists,
  firstFit,
  freeAlloc,
  freeVma,
  gupOnPfnmap,
  importerMr,
  injectInsertFail,
  procAlive,
  procDeregMr,
  procExit,
  procFork,
  procMunmap,
  refuseWith,
  regMrGuard,
  takeInjection,
  touchGuard,
  type Effects,
  withoutDmaBuf,
} from '../skeleton.js';
import { DRIVER_BOUND, DRIVER_UNBINDING, DRIVER_UNBOUND, type Out } from '../state.js';
import type { Action, Event, Ret } from '../vocabulary.js';
import { GONE, IN_BAR, IN_RAM, MAPPED_BAR, MAPPED_RAM, UNMAPPED, type VpMapping, type VpState } from './state.js';

type A<K extends Action['kind']> = Extract<Action, { kind: K }>;
type O = Out<VpState>;

// --- the exporter's BAR allocator and objects ----------------------------------

/** pci_test_p2p() (patch 1/5): upstream_bridge_distance() >= 0, or false as posted. */
const pciTestP2p = (s: VpState, importer: number, exporter: number) =>
  !s.k.testP2pAlwaysFalse && routeOf(s.world.config, importer, exporter) !== 'none';

/** p2p_map() calls of object `a` (or, with a = NONE, of exporter `e`'s BAR) no p2p_unmap() has undone. */
function outstanding(s: VpState, e: number, a: number): number {
  const w = s.world;
  let n = 0;
  for (let m = 0; m < w.mrs; m++) {
    if (!s.mr(m).live) continue;
    for (let i = 0; i < s.mr(m).npages; i++) {
      const map = s.mapping(m, i);
      if (map.kind === MAPPED_BAR && (a === NONE ? map.exporter === e : map.alloc === a)) n++;
    }
  }
  for (let x = 0; x < w.config.exporters.length; x++)
    for (let p = 0; p < w.config.exporters[x]!.pages; p++) {
      const page = s.page(x, p);
      if (page.orphaned && (a === NONE ? x === e : page.orphan_alloc === a)) n++;
    }
  return n;
}

/** The driver's BAR allocator gets pages back; every address of them handed out goes stale. */
function freePages(d: VpState, out: O, e: number, start: number, n: number): void {
  for (let p = start; p < start + n; p++) {
    d.page(e, p).owner = NONE;
    for (let m = 0; m < d.world.mrs; m++) {
      if (!d.mr(m).live) continue;
      for (let i = 0; i < d.mr(m).npages; i++) {
        const map = d.mapping(m, i);
        if (map.kind === MAPPED_BAR && map.exporter === e && map.page === p) map.stale = true;
      }
    }
    out.emit({ kind: 'page_free', exporter: e, page: p });
  }
}

/** The driver's free path (vm_ops->close on the last VMA): BAR pages back, the object gone. */
function maybeFreeObject(d: VpState, out: O, a: number): void {
  const obj = d.alloc(a);
  if (!obj.used || obj.vmas > 0) return;
  // exporter_waits=always: the BAR is held while any p2p_map of it is outstanding
  if (d.k.exporterWaits === 'always' && outstanding(d, obj.exporter, a) > 0) return;
  if (obj.placement === IN_BAR) freePages(d, out, obj.exporter, obj.start, obj.npages);
  clearBytes(d.b, obj.o, d.layout.sizes.alloc);
  // what still names the object names a freed one
  for (let m = 0; m < d.world.mrs; m++)
    for (let i = 0; i < d.mr(m).npages; i++) if (d.mapping(m, i).alloc === a) d.mapping(m, i).alloc = NONE;
  for (let e = 0; e < d.world.config.exporters.length; e++)
    for (let p = 0; p < d.world.config.exporters[e]!.pages; p++) if (d.page(e, p).orphan_alloc === a) d.page(e, p).orphan_alloc = NONE;
}

/** The move itself (ttm_bo_move_memcpy-like): BAR pages freed, the object lives in RAM from now on. */
function moveToRam(d: VpState, out: O, a: number): void {
  const obj = d.alloc(a);
  freePages(d, out, obj.exporter, obj.start, obj.npages);
  obj.placement = IN_RAM;
  obj.start = 0;
  obj.evicting = false;
}

// --- the importer ---------------------------------------------------------------

/** The importer's fence: stop the device, hmm_range_dma_unmap() -> vm_ops->p2p_unmap() per page. */
function fenceMr(d: VpState, out: O, m: number): void {
  const mr = d.mr(m);
  const freed: number[] = [];
  for (let i = 0; i < mr.npages; i++) {
    const map = d.mapping(m, i);
    if (map.kind === MAPPED_BAR) {
      out.emit({ kind: 'p2p_unmap', importer: mr.importer, alloc: map.alloc });
      if (map.alloc !== NONE && !freed.includes(map.alloc)) freed.push(map.alloc);
    }
    clearBytes(d.b, map.o, d.layout.sizes.entry);
  }
  mr.pending = false;
  for (const a of freed) maybeFreeObject(d, out, a);
}

const hasMappings = (s: VpState, m: number) => {
  for (let i = 0; i < s.mr(m).npages; i++) if (s.mapping(m, i).kind !== UNMAPPED) return true;
  return false;
};

/**
 * mmu_notifier_invalidate_range_start / mmu_notifier_release on VMA slot
 * `v` of `p`: the ODP MRs mirroring it hear of it. munmap and exit run
 * the importer's callback to completion (it fences in place); a
 * revocation (zap by the exporter) is fenced in place or later per
 * revoke_fence. A legacy importer ignores both.
 */
function invalidate(d: VpState, out: O, p: number, v: number, why: 'unmap' | 'revoke'): void {
  for (let m = 0; m < d.world.mrs; m++) {
    const mr = d.mr(m);
    if (!mr.live || mr.proc !== p || mr.vma !== v || !hasMappings(d, m)) continue;
    out.emit({ kind: 'invalidate', importer: mr.importer, mr: m });
    if (!d.k.importerObeys) continue;
    if (why === 'unmap' || d.k.fenceInNotifier) fenceMr(d, out, m);
    else mr.pending = true;
  }
}

/** zap_vma_ptes(): CPU PTEs go; the notifier fires even where no PTE was present. */
function zapVma(d: VpState, out: O, p: number, v: number): void {
  d.vma(p, v).ptes = false;
  invalidate(d, out, p, v, 'revoke');
}

/** Zap every VMA of every process mapping object `a` (or, with a = NONE, exporter `e`). */
function zapWhere(d: VpState, out: O, e: number, a: number): void {
  for (let p = 0; p < d.world.procs; p++)
    for (let v = 0; v < d.world.vmas; v++) {
      const vma = d.vma(p, v);
      if (vma.used && (a === NONE ? vma.exporter === e : vma.alloc === a)) zapVma(d, out, p, v);
    }
}

/** What fork, exit, munmap and dereg do to vma-p2p's objects and maps. */
const effects: Effects<VpState> = {
  // dup_mmap(): vm_ops->open takes the object; the child's mm is not mirrored
  forkVma(d, _out, child, v) {
    d.alloc(d.vma(child, v).alloc).vmas++;
  },
  // unmap_region()/exit_mmap(): notifier, then remove_vma() -> vm_ops->close
  closeVma(d, out, p, v) {
    invalidate(d, out, p, v, 'unmap');
    const a = d.vma(p, v).alloc;
    d.alloc(a).vmas--;
    maybeFreeObject(d, out, a);
  },
  // ib_umem_odp_release(): hmm_range_dma_unmap() of what is mapped
  releaseMr(d, out, m) {
    const mr = d.mr(m);
    // hmm_vma_p2p_unmap(): BUG() without a VMA; the oops is not modelled, the p2p_maps just leak
    if (d.vma(mr.proc, mr.vma).used || !d.k.unmapWithoutVmaBugs) return fenceMr(d, out, m);
    for (let i = 0; i < mr.npages; i++) {
      const map = d.mapping(m, i);
      if (map.kind !== MAPPED_BAR) continue;
      const page = d.page(map.exporter, map.page);
      page.orphaned = true;
      page.orphan_alloc = map.alloc;
    }
  },
};

// --- user space ---------------------------------------------------------

/** The exporter's f_op->mmap: a VM_IO|VM_PFNMAP VMA whose vm_ops carry p2p_map/p2p_unmap. */
function procMmap(s: VpState, a: A<'proc_mmap'>, out: O): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (!exporterExists(s, a.exporter)) return '-EBADF';
  if (!Number.isInteger(a.pages) || a.pages < 1) return '-EINVAL';
  const v = freeVma(s, a.proc);
  if (v === NONE) return '-ENOMEM'; // do_mmap(): mm->map_count > sysctl_max_map_count
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV'; // drm_dev_enter() fails after unplug
  if (!a.shared) return '-EINVAL'; // is_cow_mapping(): no COW of a PFNMAP
  if (a.offset !== 0) return '-EINVAL'; // vm_pgoff names no object
  if (a.pages > s.world.mapPages) return 'BOUND'; // an object larger than the largest BAR
  const id = freeAlloc(s);
  if (id === NONE) return 'BOUND';

  const d = out.draft(s);
  // io_remap_pfn_range() -> -ENOMEM; mmap_region() unwinds and the object is freed
  const failAt = takeInjection(d);
  if (failAt !== NONE && failAt < a.pages) return '-ENOMEM';
  // a full BAR is no error: the driver places the object in system RAM
  const start = firstFit(d, a.exporter, a.pages);
  const obj = d.alloc(id);
  obj.used = true;
  obj.exporter = a.exporter;
  obj.npages = a.pages;
  obj.placement = start === NONE ? IN_RAM : IN_BAR;
  obj.start = start === NONE ? 0 : start;
  obj.vmas = 1;
  if (start !== NONE) for (let p = start; p < start + a.pages; p++) d.page(a.exporter, p).owner = id;
  const vma = d.vma(a.proc, v);
  vma.used = true;
  vma.exporter = a.exporter;
  vma.alloc = id;
  vma.npages = a.pages;
  vma.ptes = true;
  return `vma${v}`;
}

/** A user load/store; without a PTE the exporter's vm_ops->fault maps wherever the object is now. */
function procTouch(s: VpState, a: A<'proc_touch'>, out: O): Ret {
  const vma = touchGuard(s, a);
  if (typeof vma === 'string') return vma;
  const obj = s.alloc(vma.alloc);
  const access: Event | null =
    obj.placement === IN_BAR ? { kind: 'cpu_access', by: 'user', exporter: vma.exporter, page: obj.start + a.page } : null;
  if (!vma.ptes) {
    // vm_ops->fault: the driver is gone (VM_FAULT_SIGBUS)
    if (s.exporter(vma.exporter).driver !== DRIVER_BOUND) return refuseWith(out, 'SIGBUS', { kind: 'sigbus', proc: a.proc });
    out.draft(s).vma(a.proc, a.vma).ptes = true; // vmf_insert_pfn(): BAR while in VRAM, RAM once evicted
  }
  if (access) out.emit(access);
  return '0';
}

/** ib_umem_get() pins through GUP (-EFAULT here); ODP: ib_umem_odp_get() registers a notifier only. */
function procRegMr(s: VpState, a: A<'proc_reg_mr'>, out: O): Ret {
  const guard = regMrGuard(s, a);
  if (typeof guard === 'string') return guard;
  const { slot, vma } = guard;
  if (!a.odp) return '-EFAULT'; // pin_user_pages_fast() -> check_vma_flags()
  const { npages, ptes } = vma;
  const d = out.draft(s);
  const mr = d.mr(slot);
  mr.live = true;
  mr.proc = a.proc;
  mr.importer = a.importer;
  mr.vma = a.vma;
  mr.odp = true;
  mr.npages = npages;
  // mlx5_ib_init_odp_mr(): MLX5_PF_FLAGS_SNAPSHOT maps what the CPU has mapped, faulting nothing in
  if (d.k.mapAtRegistration && ptes) {
    const err = hmmMap(d, slot, out);
    if (err) {
      // the MR exists before its snapshot fault, as in the kernel; a failed one is destroyed, an injection it spent stays spent
      clearBytes(d.b, d.mr(slot).o, d.layout.mrStride);
      return err;
    }
  }
  return `mr${slot}`;
}

// --- devices --------------------------------------------------------------

function dmaEvent(s: VpState, importer: number, map: VpMapping): Event {
  if (map.kind === MAPPED_RAM) return { kind: 'dma', importer, path: 'mr', target: { mem: 'ram' }, route: 'host-bridge' };
  const { exporter, page, stale } = map;
  return { kind: 'dma', importer, path: 'mr', target: { mem: 'bar', exporter, page, stale }, route: routeOf(s.world.config, importer, exporter) };
}

/** The NIC accesses an MR page: through its dma_list, or after an ODP page fault. */
function devMrDma(s: VpState, a: A<'dev_mr_dma'>, out: O): Ret {
  const mr = importerMr(s, a.importer, a.mr);
  if (!mr) return '-EBADF';
  if (!Number.isInteger(a.page) || a.page < 0 || a.page >= mr.npages) return '-EINVAL';
  const map = s.mapping(a.mr, a.page);
  // a pending invalidation does not stop the device: the hazard window of a deferred fence
  if (map.kind !== UNMAPPED) {
    out.emit(dmaEvent(s, a.importer, map));
    return '0';
  }
  return odpFault(s, a, out);
}

/** NIC page fault -> hmm_range_dma_map() over the whole MR -> vma->vm_ops->p2p_map(), then the access. */
function odpFault(s: VpState, a: A<'dev_mr_dma'>, out: O): Ret {
  const err = hmmMap(s, a.mr, out);
  if (err) return err;
  out.emit(dmaEvent(out.d, a.importer, out.d.mapping(a.mr, a.page)));
  return '0';
}

/**
 * hmm_range_dma_map() of MR `m` over the VMA it mirrors: p2p_map() for
 * every page not mapped yet (RAM addresses for an evicted object). The
 * errno, or null with the mappings written to out's state (`s` may be it).
 */
function hmmMap(s: VpState, m: number, out: O): Ret | null {
  const mr = s.mr(m);
  const { importer } = mr;
  // the MR mirrors its address range: whatever VMA is there now must cover it
  const vma = s.vma(mr.proc, mr.vma);
  if (vma.linking) return '-EBUSY'; // _hmm_range_fault() waits for the mmap's mmap_lock
  if (!vma.used || vma.npages < mr.npages) return '-EFAULT'; // _hmm_range_fault(): find_vma() fails
  if (s.exporter(vma.exporter).driver !== DRIVER_BOUND) return '-ENODEV'; // p2p_map after unplug
  const obj = s.alloc(vma.alloc);
  // the exporter serialises p2p_map against its revocation: retry once it is in RAM
  if (obj.evicting) return '-EAGAIN';
  if (obj.placement === IN_RAM) {
    // p2p_map() hands out system-RAM addresses of the evicted object
    const d = out.draft(s);
    for (let i = 0; i < mr.npages; i++) if (d.mapping(m, i).kind === UNMAPPED) d.mapping(m, i).kind = MAPPED_RAM;
    return null;
  }
  if (!pciTestP2p(s, importer, vma.exporter)) return '-EREMOTEIO';
  const todo: number[] = [];
  for (let i = 0; i < mr.npages; i++) if (s.mapping(m, i).kind === UNMAPPED) todo.push(i);
  const alloc = vma.alloc;
  const { exporter, start } = obj;
  const failAt = s.header.armed;
  const d = out.draft(s);
  // the injection is spent only by a map that reaches its nth p2p_map
  if (failAt !== NONE && failAt < todo.length) {
    takeInjection(d);
    for (let k = 0; k < failAt; k++) out.emit({ kind: 'p2p_map', importer, alloc });
    for (let k = 0; k < failAt; k++) {
      // as posted the unwind does `mapped--; continue` on P2P entries: never p2p_unmap'ed
      if (!d.k.unwindLeaks) out.emit({ kind: 'p2p_unmap', importer, alloc });
      else {
        const page = d.page(exporter, start + todo[k]!);
        page.orphaned = true;
        page.orphan_alloc = alloc;
      }
    }
    return '-EFAULT';
  }
  for (const i of todo) {
    const map = d.mapping(m, i);
    map.kind = MAPPED_BAR;
    map.exporter = exporter;
    map.page = start + i;
    map.alloc = alloc;
    map.stale = false;
    out.emit({ kind: 'p2p_map', importer, alloc });
  }
  return null;
}

/** The importer's deferred fence after a revocation: stop the device, p2p_unmap() everything. */
function importerAckInvalidate(s: VpState, a: A<'importer_ack_invalidate'>, out: O): Ret {
  const mr = importerMr(s, a.importer, a.mr);
  if (!mr) return '-EBADF';
  if (!mr.pending) return '-ENOENT';
  fenceMr(out.draft(s), out, a.mr);
  return '0';
}

// --- exporter driver ----------------------------------------------------------

/** VRAM eviction: zap_vma_ptes() on every VMA of the object, then wait for p2p_unmap (or not). */
function exporterEvict(s: VpState, a: A<'exporter_evict'>, out: O): Ret {
  const err = allocArgument(s, a.exporter, a.alloc);
  if (err) return err;
  const obj = s.alloc(a.alloc);
  if (obj.placement !== IN_BAR) return '-ENOENT';
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV';
  if (obj.evicting) return '-EBUSY';
  const d = out.draft(s);
  zapWhere(d, out, a.exporter, a.alloc);
  if (d.k.exporterWaits === 'never') moveToRam(d, out, a.alloc);
  else d.alloc(a.alloc).evicting = true;
  return '0';
}

/** The move runs once no p2p_map of the object is outstanding. */
function exporterEvictFinish(s: VpState, a: A<'exporter_evict_finish'>, out: O): Ret {
  const obj = exporterAlloc(s, a.exporter, a.alloc);
  if (!obj?.evicting) return '-EBADF';
  if (outstanding(s, a.exporter, a.alloc) > 0)
    return refuseWith(out, '-EBUSY', { kind: 'wait', exporter: a.exporter, on: 'p2p_unmap' });
  const d = out.draft(s);
  // the fault handler may have mapped the BAR again meanwhile; no MR maps it any more
  zapWhere(d, out, a.exporter, a.alloc);
  moveToRam(d, out, a.alloc);
  return '0';
}

/** remove(): zap every VMA of the device (unmap_mapping_range), importers hear of it. */
function exporterUnbind(s: VpState, a: A<'exporter_unbind'>, out: O): Ret {
  if (!exporterExists(s, a.exporter)) return '-EBADF';
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV';
  const d = out.draft(s);
  zapWhere(d, out, a.exporter, NONE);
  d.exporter(a.exporter).driver = DRIVER_UNBINDING;
  return '0';
}

/** remove() returns once every p2p_map of the BAR is undone (Gunthorpe on hot-unplug); the BAR goes. */
function exporterUnbindFinish(s: VpState, a: A<'exporter_unbind_finish'>, out: O): Ret {
  if (!exporterExists(s, a.exporter) || s.exporter(a.exporter).driver !== DRIVER_UNBINDING) return '-EBADF';
  if (s.k.exporterWaits !== 'never' && outstanding(s, a.exporter, NONE) > 0)
    return refuseWith(out, '-EBUSY', { kind: 'wait', exporter: a.exporter, on: 'p2p_unmap' });
  const d = out.draft(s);
  d.exporter(a.exporter).driver = DRIVER_UNBOUND;
  for (let id = 0; id < d.world.allocs; id++) {
    const obj = d.alloc(id);
    if (!obj.used || obj.exporter !== a.exporter || obj.placement !== IN_BAR) continue;
    freePages(d, out, a.exporter, obj.start, obj.npages);
    obj.placement = GONE;
    obj.start = 0;
    obj.evicting = false;
  }
  return '0';
}

export const handlers: DesignHandlers<VpState> = {
  proc_mmap: procMmap,
  proc_munmap: procMunmap(effects),
  proc_fork: procFork(effects),
  proc_exit: procExit(effects),
  proc_touch: procTouch,
  proc_odirect: gupOnPfnmap.proc_odirect,
  proc_kernel_copy: gupOnPfnmap.proc_kernel_copy,
  proc_reg_mr: procRegMr,
  proc_dereg_mr: procDeregMr(effects),
  // O_DIRECT never gets past GUP on a VM_PFNMAP VMA: no request is ever in flight.
  dev_io_dma: () => '-EBADF',
  dev_io_complete: () => '-EBADF',
  dev_mr_dma: devMrDma,
  importer_ack_invalidate: importerAckInvalidate,
  exporter_evict: exporterEvict,
  exporter_evict_finish: exporterEvictFinish,
  exporter_unbind: exporterUnbind,
  exporter_unbind_finish: exporterUnbindFinish,
  inject_insert_fail: injectInsertFail,
  ...withoutDmaBuf('-EOPNOTSUPP'),
};

