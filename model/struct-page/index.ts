// Design A, struct-page: BAR memory gets ZONE_DEVICE struct pages
// (MEMORY_DEVICE_PCI_P2PDMA), user space maps it through the sysfs
// p2pmem/allocate file, and every GUP-based I/O path works on it; lifetime
// rides on page refcounts and pgmap->ref. This is mainline since v6.2.
//
// Models: p2pmem_alloc_mmap() (checks in kernel order, per-page
// vm_insert_page and pgmap ref, the failure path; mmap also split before
// vma_link_file(), a window unmap_mapping_range() misses), munmap/exit freeing
// through p2pdma_folio_free(), fork copying PTEs (vma_needs_copy), SIGBUS
// after zap (kernfs_vma_fault), GUP with/without FOLL_PCI_P2PDMA and
// FOLL_LONGTERM (try_grab_page, is_valid_gup_args), O_DIRECT pins held to
// bio_endio (or, before v6.0 over no route, requeued for ever: nvme_map_data()'s
// BLK_STS_RESOURCE), DMA map type by route, the GUP-then-kmap kernel path, RDMA
// MRs (ib_umem_get pinned; ib_umem_odp mirrored: hmm_range_fault() and,
// since v6.17, hmm_dma_map_pfn() by route), unbind as zap + percpu_ref
// kill + wait on pgmap->ref + release, and eviction as far as the design
// allows, a hypothetical exporter's: p2pdma has no way to migrate or
// revoke one allocation (every p2pmem VMA maps offset 0 of one file), so
// eviction is modelled as unmap_mapping_range() of that allocation plus
// waiting for its page refs (the same wait unbind does for the device).
//
// Leaves out: kernel-internal users (pci_alloc_p2pmem, nvmet), page sizes
// and partial GUP counts (one page per I/O), bio merging across pgmaps, the
// percpu_ref's own initial ref and its per-CPU mode, mremap/mprotect,
// kernfs open files (mmap implies open), swiotlb, and the page count of
// 1 that idle pages had before b7e282378773 (idle pages are at 0 here),
// and an MR's access flags: a writable FOLL_LONGTERM pin of this file
// mapping (kernfs has page_mkwrite) fails -EFAULT in check_vma_flags()
// before the P2PDMA checks; here every MR is refused as a read-only one
// is, -EREMOTEIO; mlx5's SNAPSHOT prefetch at ODP registration
// (a03bfc37d59d): an ODP MR maps each page on the NIC's first DMA; and an
// exiting task's wait for its direct I/O: a bio outlives its process.
// The world is finite (its limits bound VMAs, MRs, bios, allocations and
// fault injections); a page freed under a holder marks the holder stale
// instead of counting generations.
//
// Sources: drivers/pci/p2pdma.c, mm/memremap.c, mm/gup.c, mm/hmm.c,
// block/bio.c, drivers/infiniband/core/umem.c, umem_odp.c,
// drivers/infiniband/hw/mlx5/odp.c.
import type { Design } from '../design.js';
import { makeDesign } from '../machine.js';
import { NONE } from '../packed.js';
import { exporterName, ghostView } from '../shared.js';
import { dmaBufKinds } from '../skeleton.js';
import { driverStates } from '../state.js';
import { structPageKnobs, structPagePresets } from './knobs.js';
import { decodeKnobs, type SpKnobs, SpState, spClasses } from './state.js';
import type { Action, Config } from '../vocabulary.js';
import { handlers } from './step.js';

/** Refused whatever the state, with no event a property reads (a touch's user access and SIGBUS are not judged). */
function inert(a: Action, k: SpKnobs, config: Config): boolean {
  if (dmaBufKinds.has(a.kind)) return true;
  switch (a.kind) {
    case 'proc_mmap':
      return !a.shared || a.offset !== 0;
    case 'proc_touch':
    case 'importer_ack_invalidate':
      return true;
    case 'proc_kernel_copy': // try_grab_page() without FOLL_PCI_P2PDMA
      return k.gupGate;
    case 'proc_odirect': {
      const imp = config.importers[a.importer];
      return imp?.kind !== 'nvme' || (k.gupGate && !imp.p2pQueue);
    }
    case 'proc_reg_mr': // the FOLL_LONGTERM pin: refused by is_valid_gup_args() or by the gate
      return !a.odp && ((k.umemP2pdma && !k.longtermAllowed) || (k.gupGate && !k.umemP2pdma));
    default:
      return false;
  }
}


/** The refs page `p` of `e` should hold: one per PTE, per in-flight bio pin, per MR pin. */
function expectedRefcount(s: SpState, e: number, p: number): number {
  const w = s.world;
  let refs = 0;
  for (let q = 0; q < w.procs; q++)
    for (let v = 0; v < w.vmas; v++) {
      const vma = s.vma(q, v);
      if (vma.used && vma.ptes && vma.exporter === e && p >= vma.start && p < vma.start + vma.npages) refs++;
    }
  for (let i = 0; i < s.layout.bios; i++) {
    const bio = s.bio(i);
    if (bio.inflight && bio.exporter === e && bio.page === p) refs++;
  }
  for (let m = 0; m < w.mrs; m++) {
    const mr = s.mr(m);
    if (!mr.live || mr.odp) continue;
    for (let i = 0; i < mr.npages; i++) if (s.pin(m, i).exporter === e && s.pin(m, i).page === p) refs++;
  }
  return refs;
}

/** What pgmap->ref rests at with nothing allocated: the base refs, gone once killed. */
const baseRef = (s: SpState, e: number) => (s.exporter(e).ref_dead ? 0 : s.world.config.exporters[e]!.pages);

function allocatedPages(s: SpState, e: number): number {
  let n = 0;
  for (let p = 0; p < s.world.config.exporters[e]!.pages; p++) if (s.page(e, p).owner !== NONE) n++;
  return n;
}

/** The fixed kernel's accounting: pgmap->ref = base + allocated pages; page counts match their holders. */
function audit(s: SpState): string[] {
  const broken: string[] = [];
  s.world.config.exporters.forEach((ex, e) => {
    const name = ex.name;
    const pgmapRef = s.exporter(e).pgmap_ref;
    const base = baseRef(s, e);
    const allocated = allocatedPages(s, e);
    if (pgmapRef !== base + allocated) broken.push(`${name}: pgmap_ref ${pgmapRef} != base ${base} + allocated pages ${allocated}`);
    for (let p = 0; p < ex.pages; p++) {
      const page = s.page(e, p);
      if (page.owner === NONE && page.refcount !== 0) broken.push(`${name} page ${p}: free in the pool with refcount ${page.refcount}`);
      const want = expectedRefcount(s, e, p);
      if (page.owner !== NONE && page.refcount !== want) broken.push(`${name} page ${p}: refcount ${page.refcount} != PTEs + pins ${want}`);
    }
  });
  return broken;
}

/** What is still held once everything has exited and drained. */
function held(s: SpState): string[] {
  const out: string[] = [];
  s.world.config.exporters.forEach((ex, e) => {
    const pgmapRef = s.exporter(e).pgmap_ref;
    const base = baseRef(s, e);
    if (pgmapRef > base) out.push(`${ex.name}: pgmap_ref ${pgmapRef}, ${pgmapRef - base} above base`);
    for (let p = 0; p < ex.pages; p++) {
      const page = s.page(e, p);
      if (page.owner !== NONE) out.push(`${ex.name} page ${p}: still allocated to a${page.owner}`);
      else if (page.refcount !== 0) out.push(`${ex.name} page ${p}: refcount ${page.refcount} in the pool`);
    }
  });
  return out;
}

function clean(s: SpState): boolean {
  for (let e = 0; e < s.world.config.exporters.length; e++) {
    if (s.exporter(e).pgmap_ref > baseRef(s, e)) return false;
    for (let p = 0; p < s.world.config.exporters[e]!.pages; p++) {
      const page = s.page(e, p);
      if (page.owner !== NONE || page.refcount !== 0) return false;
    }
  }
  return true;
}

function decode(s: SpState): Record<string, unknown> {
  const w = s.world;
  const { config } = w;
  const out: Record<string, unknown> = {};
  const ref = (prefix: string, i: number) => (i === NONE ? null : `${prefix}${i}`);
  const header = s.header;
  if (header.armed !== NONE || header.fired > 0) out.fault = { armed: header.armed === NONE ? null : header.armed, fired: header.fired };
  config.exporters.forEach((ex, e) => {
    const x = s.exporter(e);
    const pages: Record<string, unknown> = {};
    for (let p = 0; p < ex.pages; p++) pages[`page${p}`] = { refcount: s.page(e, p).refcount, owner: ref('a', s.page(e, p).owner) };
    out[ex.name] = { driver: driverStates[x.driver], pgmap_ref: x.pgmap_ref, ref_dead: x.ref_dead, ...pages };
  });
  for (let a = 0; a < w.allocs; a++) {
    const alloc = s.alloc(a);
    if (alloc.used)
      out[`a${a}`] = { exporter: exporterName(s, alloc.exporter), pages: `${alloc.start}+${alloc.npages}`, evicting: alloc.evicting };
  }
  for (let p = 0; p < w.procs; p++) {
    if (!s.proc(p).alive) continue;
    const vmas: Record<string, unknown> = {};
    for (let v = 0; v < w.vmas; v++) {
      const vma = s.vma(p, v);
      if (vma.used)
        vmas[`vma${v}`] = { exporter: exporterName(s, vma.exporter), alloc: ref('a', vma.alloc), pages: `${vma.start}+${vma.npages}`, ptes: vma.ptes };
    }
    out[`p${p}`] = vmas;
  }
  for (let m = 0; m < w.mrs; m++) {
    const mr = s.mr(m);
    if (!mr.live) continue;
    const pins = Array.from({ length: mr.npages }, (_, i) => {
      const pin = s.pin(m, i);
      return pin.page === NONE ? null : `${exporterName(s, pin.exporter)} page ${pin.page}${pin.stale ? ' (stale)' : ''}`;
    });
    out[`mr${m}`] = { proc: `p${mr.proc}`, importer: config.importers[mr.importer]!.name, vma: `vma${mr.vma}`, odp: mr.odp, [mr.odp ? 'dma_list' : 'pinned']: pins };
  }
  for (let i = 0; i < s.layout.bios; i++) {
    const bio = s.bio(i);
    if (bio.inflight)
      out[`io${i}`] = {
        importer: config.importers[bio.importer]!.name,
        page: `${exporterName(s, bio.exporter)} page ${bio.page}${bio.stale ? ' (stale)' : ''}`,
      };
  }
  return out;
}

export const structPage: Design<SpState> = makeDesign({
  id: 'struct-page',
  title: 'ZONE_DEVICE pages for BAR memory, GUP and refcounts (mainline p2pdma)',
  presets: structPagePresets,
  knobs: structPageKnobs,
  classes: spClasses,
  decodeKnobs,
  wrap: (m, b, o) => new SpState(m, b, o),
  init(s) {
    // memremap_pages(): percpu_ref_get_many(pgmap->ref, pfn_len)
    s.world.config.exporters.forEach((ex, e) => {
      s.exporter(e).pgmap_ref = ex.pages;
    });
  },
  handlers,
  inert,
  offerRestore: () => false,
  offerMemory: () => 0,
  // p2pmem_alloc_mmap() inserts every page inside ->mmap
  splitsMmap: true,
  offerEvict: () => true,
  view(s) {
    let inflight = 0;
    for (let i = 0; i < s.layout.bios; i++) if (s.bio(i).inflight) inflight++;
    return ghostView(s, inflight);
  },
  audit,
  held,
  clean,
  decode,
  // an ODP MR faults through whatever VMA holds its slot now (step.ts, devMrDma), so VMA slots keep their ids
  symmetry: { pageAllocRefs: [], mrAllocRefs: [], entryAllocRefs: [], mrVma: 'read' },
});
