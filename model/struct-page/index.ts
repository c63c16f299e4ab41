// Design A, struct-page: BAR memory gets ZONE_DEVICE struct pages
// (MEMORY_DEVICE_PCI_P2PDMA), user space maps it through the sysfs
// p2pmem/allocate file, and every GUP-based I/O path works on it; lifetime
// rides on page refcounts and pgmap->ref. This is mainline since v6.2.
//
// Models: p2pmem_alloc_mmap() (checks in kernel order, per-page
// vm_insert_page and pgmap ref, the failure path), munmap/exit freeing
// through p2pdma_folio_free(), fork copying PTEs (vma_needs_copy), SIGBUS
// after zap (kernfs_vma_fault), GUP with/without FOLL_PCI_P2PDMA and
// FOLL_LONGTERM (try_grab_page, is_valid_gup_args), O_DIRECT pins held to
// bio_endio, DMA map type by route, the GUP-then-kmap kernel path, RDMA
// MRs (ib_umem_get pinned; ib_umem_odp mirrored), unbind as zap + percpu_ref
// kill + wait on pgmap->ref + release, and eviction as far as the design
// allows: p2pdma cannot migrate or revoke one allocation, so eviction is
// modelled as unmap_mapping_range() of that allocation plus waiting for its
// page refs (the same wait unbind does for the whole device).
//
// Leaves out: kernel-internal users (pci_alloc_p2pmem, nvmet), page sizes
// and partial GUP counts (one page per I/O), bio merging across pgmaps, the
// percpu_ref's own initial ref and its per-CPU mode, mremap/mprotect,
// kernfs open files (mmap implies open), swiotlb, and the page count of
// 1 that idle pages had before b7e282378773 (idle pages are at 0 here).
//
// Sources: drivers/pci/p2pdma.c, mm/memremap.c, mm/gup.c, block/bio.c,
// drivers/infiniband/core/umem.c; DOMAIN.md §2.
import type { Design } from '../design.js';
import { enumerateActions, startCensus } from '../enumerate.js';
import { ghostView } from '../shared.js';
import type { GhostView } from '../vocabulary.js';
import { structPageKey } from './key.js';
import { structPageKnobs, structPagePresets } from './knobs.js';
import { initState, type SpState } from './state.js';
import { step } from './step.js';

const ownerOf = (s: SpState, e: number, p: number) => s.exporters[e]!.pages[p]!.owner;

const allocLive = (s: SpState, id: number) => {
  const alloc = s.allocs[id]!;
  return alloc.pages.some((p) => ownerOf(s, alloc.exporter, p) === id);
};

function view(s: SpState): GhostView {
  let inflight = 0;
  for (const io of s.ios) if (io.inflight) inflight++;
  return ghostView(s.exporters, s.allocs, inflight);
}

/** The refs each page should hold: one per PTE, per in-flight bio pin, per MR pin. */
function expectedRefcount(s: SpState, e: number, p: number): number {
  const ptes = s.vmas.filter((v) => v.exporter === e && v.ptes && v.pages.includes(p)).length;
  const bios = s.ios.filter((io) => io.inflight && io.pin.exporter === e && io.pin.page === p).length;
  const mrPins = s.mrs
    .filter((mr) => mr.live)
    .flatMap((mr) => mr.pinned)
    .filter((pin) => pin.exporter === e && pin.page === p).length;
  return ptes + bios + mrPins;
}

/** DOMAIN.md §4.5 as the fixed kernel intends it: pgmap->ref = base + allocated pages. */
function audit(s: SpState): string[] {
  const broken: string[] = [];
  s.exporters.forEach((ex, e) => {
    const name = s.config.exporters[e]!.name;
    const allocated = ex.pages.filter((p) => p.owner !== null).length;
    const base = ex.ref_dead ? 0 : ex.pages.length;
    if (ex.pgmap_ref !== base + allocated)
      broken.push(`${name}: pgmap_ref ${ex.pgmap_ref} != base ${base} + allocated pages ${allocated}`);
    ex.pages.forEach((page, p) => {
      if (page.owner === null && page.refcount !== 0)
        broken.push(`${name} page ${p}: free in the pool with refcount ${page.refcount}`);
      const want = expectedRefcount(s, e, p);
      if (page.owner !== null && page.refcount !== want)
        broken.push(`${name} page ${p}: refcount ${page.refcount} != PTEs + pins ${want}`);
    });
  });
  return broken;
}

/** What is still held once everything has exited and drained (DOMAIN.md §4.8). */
function held(s: SpState): string[] {
  const out: string[] = [];
  s.exporters.forEach((ex, e) => {
    const name = s.config.exporters[e]!.name;
    const base = ex.ref_dead ? 0 : ex.pages.length;
    if (ex.pgmap_ref > base) out.push(`${name}: pgmap_ref ${ex.pgmap_ref}, ${ex.pgmap_ref - base} above base`);
    ex.pages.forEach((page, p) => {
      if (page.owner !== null) out.push(`${name} page ${p}: still allocated to a${page.owner}`);
      else if (page.refcount !== 0) out.push(`${name} page ${p}: refcount ${page.refcount} in the pool`);
    });
  });
  return out;
}

function enabled(s: SpState) {
  const census = startCensus(s.procs, s.exporters.map((e) => e.driver), s.injectInsertFail !== null);
  // plain loops: this runs once per state of a search and per drain step
  for (let id = 0; id < s.vmas.length; id++) {
    const v = s.vmas[id]!;
    if (v.mapped) census.vmas.push({ id, proc: v.proc, pages: v.pages.length });
  }
  for (let id = 0; id < s.ios.length; id++) if (s.ios[id]!.inflight) census.ios.push({ id, importer: s.ios[id]!.importer });
  for (let id = 0; id < s.mrs.length; id++) {
    const mr = s.mrs[id]!;
    if (mr.live) census.mrs.push({ id, proc: mr.proc, importer: mr.importer, pages: s.vmas[mr.vma]!.pages.length });
  }
  for (let id = 0; id < s.allocs.length; id++) {
    const a = s.allocs[id]!;
    if (a.evicting || allocLive(s, id)) census.allocs.push({ id, exporter: a.exporter, evicting: a.evicting });
  }
  return enumerateActions(s.config, census);
}

export const structPage: Design<SpState> = {
  id: 'struct-page',
  title: 'struct-page: ZONE_DEVICE pages for BAR memory, GUP and refcounts (mainline p2pdma)',
  presets: structPagePresets,
  knobs: structPageKnobs,
  init: initState,
  step,
  enabled,
  view,
  audit,
  held,
  key: structPageKey,
};
