// struct-page transitions, one function per action: guard first (the
// errno the kernel returns, state untouched), then the update on the
// copy out.draft() gives.
import type { DesignHandlers } from '../machine.js';
import { clearBytes, NONE } from '../packed.js';
import {
  exporterAlloc,
  exporterExists,
  firstFit,
  freeAlloc,
  freeBio,
  freeVma,
  importerBio,
  importerExists,
  importerMr,
  injectInsertFail,
  mappedVma,
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
import { routeOf } from '../shared.js';
import type { Action, Errno, Ret } from '../vocabulary.js';
import type { SpState, SpVma } from './state.js';

type A<K extends Action['kind']> = Extract<Action, { kind: K }>;
type O = Out<SpState>;

// --- effects on page refs ---------------------------------------------------

function getPage(d: SpState, e: number, p: number): void {
  d.page(e, p).refcount++;
}

/** put_page(): at zero, free_zone_device_folio() -> p2pdma_folio_free(). */
function putPage(d: SpState, out: O, e: number, p: number): void {
  const page = d.page(e, p);
  const owner = page.owner;
  if (page.refcount > 1 || owner === NONE) {
    page.refcount = Math.max(0, page.refcount - 1);
    return;
  }
  // gen_pool_free_owner() then percpu_ref_put(pgmap->ref)
  page.refcount = 0;
  page.owner = NONE;
  markStale(d, e, p);
  if (d.k.pagePgmapRef) d.exporter(e).pgmap_ref--;
  out.emit({ kind: 'page_free', exporter: e, page: p });
  allocMaybeGone(d, owner);
}

/** A freed page: every bio and MR still holding its address now holds a stale one. */
function markStale(d: SpState, e: number, p: number): void {
  const w = d.world;
  for (let i = 0; i < d.layout.bios; i++) {
    const bio = d.bio(i);
    if (bio.inflight && bio.exporter === e && bio.page === p) bio.stale = true;
  }
  for (let m = 0; m < w.mrs; m++) {
    const mr = d.mr(m);
    if (!mr.live) continue;
    for (let i = 0; i < mr.npages; i++) {
      const pin = d.pin(m, i);
      if (pin.page === p && pin.exporter === e) pin.stale = true;
    }
  }
}

/** Does allocation `a` still own a BAR page? */
function ownsPages(s: SpState, a: number): boolean {
  const alloc = s.alloc(a);
  for (let p = alloc.start; p < alloc.start + alloc.npages; p++) if (s.page(alloc.exporter, p).owner === a) return true;
  return false;
}

/** Once an allocation owns no page and is not being evicted, its slot is free and no VMA names it. */
function allocMaybeGone(d: SpState, a: number): void {
  const alloc = d.alloc(a);
  if (!alloc.used || alloc.evicting || ownsPages(d, a)) return;
  clearBytes(d.b, alloc.o, d.layout.sizes.alloc);
  for (let p = 0; p < d.world.procs; p++)
    for (let v = 0; v < d.world.vmas; v++) {
      const vma = d.vma(p, v);
      if (vma.used && vma.alloc === a) vma.alloc = NONE;
    }
}

/** unmap_mapping_range()/zap_page_range_single(): drop the PTE refs; ODP notifiers fire. */
function zapVma(d: SpState, out: O, p: number, v: number): void {
  const vma = d.vma(p, v);
  if (!vma.ptes) return;
  vma.ptes = false;
  for (let i = 0; i < vma.npages; i++) putPage(d, out, vma.exporter, vma.start + i);
  for (let m = 0; m < d.world.mrs; m++) {
    const mr = d.mr(m);
    if (!mr.live || !mr.odp || mr.proc !== p || mr.vma !== v) continue;
    // mmu_interval_notifier invalidate: ib_umem_odp_unmap_dma_pages(), fenced in place; an unfaulted entry is zero
    for (let i = 0; i < mr.npages; i++) clearBytes(d.b, d.pin(m, i).o, d.layout.sizes.entry);
    out.emit({ kind: 'invalidate', importer: mr.importer, mr: m });
  }
}

/** unmap_mapping_range(): zap every VMA in the file's i_mmap that `match` picks; one not yet linked (mmap_start) is missed. */
function zapWhere(d: SpState, out: O, match: (vma: SpVma) => boolean): void {
  for (let p = 0; p < d.world.procs; p++)
    for (let v = 0; v < d.world.vmas; v++) {
      const vma = d.vma(p, v);
      if (vma.used && !vma.linking && match(vma)) zapVma(d, out, p, v);
    }
}

/** What fork, exit, munmap and dereg do to struct-page's refs. */
const effects: Effects<SpState> = {
  // vma_needs_copy() is true for VM_MIXEDMAP: the child's PTEs take page refs
  forkVma(d, _out, child, v) {
    const vma = d.vma(child, v);
    if (vma.ptes) for (let i = 0; i < vma.npages; i++) getPage(d, vma.exporter, vma.start + i);
  },
  closeVma: zapVma,
  // ib_umem_release(): unpin_user_pages()
  releaseMr(d, out, m) {
    const mr = d.mr(m);
    if (mr.odp) return;
    for (let i = 0; i < mr.npages; i++) {
      const pin = d.pin(m, i);
      putPage(d, out, pin.exporter, pin.page);
      out.emit({ kind: 'unpin', exporter: pin.exporter, page: pin.page });
    }
  },
};

// --- user space ---------------------------------------------------------

/** p2pmem_alloc_mmap(), checks in the kernel's order (do_mmap's own first). */
function procMmap(s: SpState, a: A<'proc_mmap'>, out: O): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (!exporterExists(s, a.exporter)) return '-EBADF';
  if (!Number.isInteger(a.pages) || a.pages < 1) return '-EINVAL';
  const v = freeVma(s, a.proc);
  if (v === NONE) return '-ENOMEM'; // do_mmap(): mm->map_count > sysctl_max_map_count
  // kernfs_fop_mmap(): kernfs_get_active() fails once pci_p2pdma_release() removed the file, after memunmap_pages()
  if (s.exporter(a.exporter).driver === DRIVER_UNBOUND) return '-ENODEV';
  if (!a.shared) return '-EINVAL'; // !(vma->vm_flags & VM_MAYSHARE)
  if (a.offset !== 0) return '-EINVAL'; // vma->vm_pgoff
  const start = firstFit(s, a.exporter, a.pages);
  if (start === NONE) return '-ENOMEM';
  const allocId = freeAlloc(s);
  if (allocId === NONE) return 'BOUND';
  if (s.exporter(a.exporter).ref_dead) return '-ENODEV'; // percpu_ref_tryget_live_rcu(): the file outlives the ref

  const d = out.draft(s);
  const failAt = takeInjection(d);
  const ex = d.exporter(a.exporter);
  ex.pgmap_ref++; // the temporary tryget_live ref
  for (let i = 0; i < a.pages; i++) {
    if (i === failAt) return mmapInsertFailed(d, out, a.exporter, start, a.pages, i);
    // set_page_count(1); vm_insert_page() takes a ref; put_page(): rests at 1
    const page = d.page(a.exporter, start + i);
    page.refcount = 1;
    page.owner = allocId;
    if (d.k.pagePgmapRef) ex.pgmap_ref++;
  }
  ex.pgmap_ref--;
  const alloc = d.alloc(allocId);
  alloc.used = true;
  alloc.exporter = a.exporter;
  alloc.start = start;
  alloc.npages = a.pages;
  const vma = d.vma(a.proc, v);
  vma.used = true;
  vma.exporter = a.exporter;
  vma.alloc = allocId;
  vma.npages = a.pages;
  vma.start = start;
  vma.ptes = true;
  return `vma${v}`;
}

/** vm_insert_page() failed on page `i`: free the rest; the mmap error path zaps the pages inserted. */
function mmapInsertFailed(d: SpState, out: O, e: number, start: number, n: number, i: number): Ret {
  for (let p = start + i; p < start + n; p++) {
    const page = d.page(e, p);
    const stale = p === start + i && !d.k.insertFailResetsCount;
    page.refcount = stale ? 1 : 0;
    page.owner = NONE;
  }
  if (d.k.insertFailPutsRef) d.exporter(e).pgmap_ref--;
  for (let p = start; p < start + i; p++) putPage(d, out, e, p); // vm_munmap() of the half-built VMA
  return '-ENOMEM';
}

/** A user load/store; without a PTE, kernfs_vma_fault() has no ->fault: SIGBUS. */
function procTouch(s: SpState, a: A<'proc_touch'>, out: O): Ret {
  const vma = touchGuard(s, a);
  if (typeof vma === 'string') return vma;
  const { exporter, start, ptes } = vma as SpVma;
  if (!ptes) return refuseWith(out, 'SIGBUS', { kind: 'sigbus', proc: a.proc });
  out.emit({ kind: 'cpu_access', by: 'user', exporter, page: start + a.page });
  return '0';
}

/** GUP of one page of a VMA: fault it in, then try_grab_page(). */
function gupPage(s: SpState, vma: SpVma | null, page: number, p2pdma: boolean): Errno | null {
  if (!vma || !Number.isInteger(page) || page < 0 || page >= vma.npages) return '-EFAULT';
  if (!vma.ptes) return '-EFAULT'; // handle_mm_fault() -> VM_FAULT_SIGBUS
  if (s.k.gupGate && !p2pdma) return '-EREMOTEIO'; // !FOLL_PCI_P2PDMA && is_pci_p2pdma_page()
  return null;
}

/** pci_p2pdma_map_type() at DMA-map time; NOT_SUPPORTED fails when checked. */
const mapFails = (s: SpState, importer: number, exporter: number) =>
  s.k.mapChecksRoute && routeOf(s.world.config, importer, exporter) === 'none';

/** __bio_iov_iter_get_pages(): FOLL_PCI_P2PDMA iff blk_queue_pci_p2pdma(q). */
function procOdirect(s: SpState, a: A<'proc_odirect'>, out: O): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  if (!importerExists(s, a.importer)) return '-EBADF';
  const imp = s.world.config.importers[a.importer]!;
  if (imp.kind !== 'nvme') return '-EINVAL';
  const vma = mappedVma(s, a.proc, a.vma) as SpVma | null;
  const err = gupPage(s, vma, a.page, imp.p2pQueue);
  if (err) return err;
  const slot = freeBio(s);
  if (slot === NONE) return '-EAGAIN'; // RWF_NOWAIT: no tag free
  const { exporter } = vma!;
  const page = vma!.start + a.page;
  // nvme_map_data(): blk_rq_dma_map_iter_start() BLK_STS_INVAL (7ce3c1dd78fc, v6.17; was dma_map_sgtable's -EREMOTEIO)
  if (mapFails(s, a.importer, exporter)) return '-EINVAL';
  const d = out.draft(s);
  getPage(d, exporter, page);
  out.emit({ kind: 'pin', exporter, page });
  const bio = d.bio(slot);
  bio.inflight = true;
  bio.importer = a.importer;
  bio.exporter = exporter;
  bio.page = page;
  bio.stale = false;
  return `io${slot}`;
}

/** process_vm_readv(): pin_user_pages_remote() without FOLL_PCI_P2PDMA, kmap, memcpy, unpin. */
function procKernelCopy(s: SpState, a: A<'proc_kernel_copy'>, out: O): Ret {
  if (!procAlive(s, a.proc)) return '-ESRCH';
  const vma = mappedVma(s, a.proc, a.vma) as SpVma | null;
  // process_vm_rw_single_vec(): any pin failure, -EREMOTEIO included, is -EFAULT
  if (gupPage(s, vma, a.page, false)) return '-EFAULT';
  const { exporter } = vma!;
  const page = vma!.start + a.page;
  out.emit({ kind: 'pin', exporter, page });
  out.emit({ kind: 'cpu_access', by: 'kernel', exporter, page });
  out.emit({ kind: 'unpin', exporter, page });
  return '0';
}

/** ib_umem_get(): pin_user_pages_fast(FOLL_LONGTERM); ODP: ib_umem_odp_get(), nothing pinned. */
function procRegMr(s: SpState, a: A<'proc_reg_mr'>, out: O): Ret {
  const guard = regMrGuard(s, a);
  if (typeof guard === 'string') return guard;
  const { slot } = guard;
  const vma = guard.vma as SpVma;
  if (!a.odp) {
    // is_valid_gup_args(): FOLL_LONGTERM with FOLL_PCI_P2PDMA refused before any page is walked
    if (s.k.umemP2pdma && !s.k.longtermAllowed) return '-EINVAL';
    for (let i = 0; i < vma.npages; i++) {
      const err = gupPage(s, vma, i, s.k.umemP2pdma);
      if (err) return err;
    }
    if (mapFails(s, a.importer, vma.exporter)) return '-EREMOTEIO'; // ib_dma_map_sgtable_attrs()
  }
  const { exporter, start, npages } = vma;
  const d = out.draft(s);
  const mr = d.mr(slot);
  mr.live = true;
  mr.proc = a.proc;
  mr.importer = a.importer;
  mr.vma = a.vma;
  mr.odp = a.odp;
  mr.npages = npages;
  // ODP: nothing faulted yet, every entry stays zero (page NONE)
  for (let i = 0; i < npages && !a.odp; i++) {
    const pin = d.pin(slot, i);
    pin.exporter = exporter;
    pin.page = start + i;
    getPage(d, exporter, start + i);
    out.emit({ kind: 'pin', exporter, page: start + i });
  }
  return `mr${slot}`;
}

// --- devices --------------------------------------------------------------

/** The device's DMA to a page it was handed: a BAR page, stale if freed since. */
function dmaTo(s: SpState, out: O, importer: number, path: 'odirect' | 'mr', exporter: number, page: number, stale: boolean): Ret {
  const route = routeOf(s.world.config, importer, exporter);
  out.emit({ kind: 'dma', importer, path, target: { mem: 'bar', exporter, page, stale }, route });
  return '0';
}

/** Before v6.0, nvme_map_data(): pci_p2pdma_map_sg_attrs() maps none over no route, BLK_STS_RESOURCE, and blk-mq requeues for ever. */
const requeued = (s: SpState, importer: number, exporter: number) =>
  !s.k.mapChecksRoute && routeOf(s.world.config, importer, exporter) === 'none';

/** The NVMe queue transfers the bio's page: DMA to the bus address blk_rq_dma_map_iter_start() gave it. */
function devIoDma(s: SpState, a: A<'dev_io_dma'>, out: O): Ret {
  const bio = importerBio(s, a.importer, a.io);
  if (!bio) return '-EBADF';
  if (requeued(s, a.importer, bio.exporter)) return '-ENOMEM'; // blk_status_to_errno(BLK_STS_RESOURCE)
  return dmaTo(s, out, a.importer, 'odirect', bio.exporter, bio.page, bio.stale);
}

/** bio_endio() -> bio_release_pages(): the O_DIRECT pin is dropped. */
function devIoComplete(s: SpState, a: A<'dev_io_complete'>, out: O): Ret {
  const inflight = importerBio(s, a.importer, a.io);
  if (!inflight) return '-EBADF';
  if (requeued(s, a.importer, inflight.exporter)) return '-ENOMEM';
  const d = out.draft(s);
  const bio = d.bio(a.io);
  const { exporter, page } = bio;
  putPage(d, out, exporter, page);
  out.emit({ kind: 'unpin', exporter, page });
  clearBytes(d.b, bio.o, d.layout.sizes.bio);
  return '0';
}

/** NIC access through an MR; ODP faults via hmm_range_fault() then DMA-maps the page. */
function devMrDma(s: SpState, a: A<'dev_mr_dma'>, out: O): Ret {
  const mr = importerMr(s, a.importer, a.mr);
  if (!mr) return '-EBADF';
  if (!Number.isInteger(a.page) || a.page < 0 || a.page >= mr.npages) return '-EINVAL';
  const pin = s.pin(a.mr, a.page);
  if (pin.page !== NONE) return dmaTo(s, out, a.importer, 'mr', pin.exporter, pin.page, pin.stale);
  // the ODP MR mirrors its address range: whatever VMA is there now
  const vma = s.vma(mr.proc, mr.vma);
  if (vma.linking) return '-EBUSY'; // hmm_range_fault() waits for the mmap's mmap_lock
  if (!vma.used || !vma.ptes || a.page >= vma.npages) return '-EFAULT'; // hmm_range_fault(): no PTE
  if (!s.k.odpP2pdma) return '-EFAULT'; // hmm_vma_walk_test(): VM_MIXEDMAP
  if (mapFails(s, a.importer, vma.exporter)) return '-EFAULT'; // hmm_dma_map_pfn(): DMA_MAPPING_ERROR, populate_mtt()
  const d = out.draft(s);
  const to = d.pin(a.mr, a.page);
  to.exporter = vma.exporter;
  to.page = vma.start + a.page;
  to.stale = false;
  return dmaTo(d, out, a.importer, 'mr', to.exporter, to.page, false);
}

/** ODP invalidation is fenced inside the notifier: nothing is ever pending. */
function importerAckInvalidate(s: SpState, a: A<'importer_ack_invalidate'>): Ret {
  return importerMr(s, a.importer, a.mr) ? '-ENOENT' : '-EBADF';
}

// --- exporter driver ----------------------------------------------------------

/**
 * p2pdma has no per-allocation revoke: the most a provider can do is what
 * unbind does, for one range: unmap_mapping_range() and wait for page refs.
 */
function exporterEvict(s: SpState, a: A<'exporter_evict'>, out: O): Ret {
  if (!exporterExists(s, a.exporter) || !Number.isInteger(a.alloc) || a.alloc < 0 || a.alloc >= s.world.allocs) return '-EBADF';
  const alloc = exporterAlloc(s, a.exporter, a.alloc);
  if (!alloc || !ownsPages(s, a.alloc)) return '-ENOENT';
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV';
  if (alloc.evicting) return '-EBUSY';
  const d = out.draft(s);
  d.alloc(a.alloc).evicting = true;
  zapWhere(d, out, (vma) => vma.alloc === a.alloc);
  return '0';
}

/** The allocation's pages are back in the pool once every page ref is gone. */
function exporterEvictFinish(s: SpState, a: A<'exporter_evict_finish'>, out: O): Ret {
  const alloc = exporterAlloc(s, a.exporter, a.alloc);
  if (!alloc?.evicting) return '-EBADF';
  if (ownsPages(s, a.alloc)) return refuseWith(out, '-EBUSY', { kind: 'wait', exporter: a.exporter, on: 'page refs' });
  const d = out.draft(s);
  d.alloc(a.alloc).evicting = false;
  allocMaybeGone(d, a.alloc);
  return '0';
}

/** devm teardown: pci_p2pdma_unmap_mappings() zaps every user PTE; memunmap_pages() kills the ref. */
function exporterUnbind(s: SpState, a: A<'exporter_unbind'>, out: O): Ret {
  if (!exporterExists(s, a.exporter)) return '-EBADF';
  if (s.exporter(a.exporter).driver !== DRIVER_BOUND) return '-ENODEV';
  const d = out.draft(s);
  zapWhere(d, out, (vma) => vma.exporter === a.exporter);
  const ex = d.exporter(a.exporter);
  // percpu_ref_kill(); percpu_ref_put_many(&pgmap->ref, pfn_len)
  ex.driver = DRIVER_UNBINDING;
  ex.ref_dead = true;
  ex.pgmap_ref -= s.world.config.exporters[a.exporter]!.pages;
  return '0';
}

/** wait_for_completion(&pgmap->done) returns when pgmap->ref hits zero; then pci_p2pdma_release(). */
function exporterUnbindFinish(s: SpState, a: A<'exporter_unbind_finish'>, out: O): Ret {
  if (!exporterExists(s, a.exporter) || s.exporter(a.exporter).driver !== DRIVER_UNBINDING) return '-EBADF';
  if (s.exporter(a.exporter).pgmap_ref > 0)
    return refuseWith(out, '-EBUSY', { kind: 'wait', exporter: a.exporter, on: 'pgmap->ref' });
  out.draft(s).exporter(a.exporter).driver = DRIVER_UNBOUND;
  return '0';
}

export const handlers: DesignHandlers<SpState> = {
  proc_mmap: procMmap,
  proc_munmap: procMunmap(effects),
  proc_fork: procFork(effects),
  proc_exit: procExit(effects),
  proc_touch: procTouch,
  proc_odirect: procOdirect,
  proc_kernel_copy: procKernelCopy,
  proc_reg_mr: procRegMr,
  proc_dereg_mr: procDeregMr(effects),
  dev_io_dma: devIoDma,
  dev_io_complete: devIoComplete,
  dev_mr_dma: devMrDma,
  importer_ack_invalidate: importerAckInvalidate,
  exporter_evict: exporterEvict,
  exporter_evict_finish: exporterEvictFinish,
  exporter_unbind: exporterUnbind,
  exporter_unbind_finish: exporterUnbindFinish,
  inject_insert_fail: injectInsertFail,
  ...withoutDmaBuf('-ENOTTY'),
};
