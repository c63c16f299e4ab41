// Design B, vma-p2p: Jérôme Glisse's RFC "Device peer to peer (p2p)
// through vma" (Jan 2019, never merged). BAR memory gets no struct page.
// The exporting driver's f_op->mmap creates a VM_IO|VM_PFNMAP VMA whose
// vm_ops carry p2p_map/p2p_unmap (patch 3/5); an importer asks the VMA
// for bus addresses through hmm_range_dma_map() (patch 5/5) and must obey
// mmu_notifier invalidations by fencing its device and calling p2p_unmap.
//
// Models: the driver's object (GEM BO-like) placed first-fit in the BAR
// or, when the BAR is full, in system RAM; its VMAs with PTEs inserted up
// front and refaulted by vm_ops->fault (BAR, RAM after eviction, SIGBUS
// after unbind); vm_ops->open/close counting VMAs, freeing the object on
// the last close; GUP refusing VM_PFNMAP (-EFAULT: O_DIRECT, process_vm_readv,
// pinned MRs); ODP MRs faulting the whole MR range through p2p_map, with
// pci_test_p2p() (patch 1/5) as the route check; mmu notifiers on munmap
// and exit (fenced in the callback) and on the exporter's zap for eviction
// and unbind (fenced in place or in a later importer step); the exporter
// waiting for every p2p_unmap before it reuses BAR memory; dereg after the
// VMA is gone (hmm_vma_p2p_unmap's BUG()); the error unwind of
// hmm_range_dma_map that skips P2P entries.
//
// Knobs per preset (docs/explanation.md §6): rfc-2019 = importer obeys, exporter
// waits on revoke (eviction/unbind) but not on close, fence deferred to
// the importer's own step, pci_test_p2p by distance, dereg without a VMA
// and the map error unwind both fixed; legacy-importer = importer ignores
// invalidations; exporter-no-wait = BAR reused at once on eviction and
// unbind; as-posted = pci_test_p2p always false, BUG() on dereg without a
// VMA, the unwind leak.
//
// Leaves out: struct page-backed exporters, HMM device-private memory
// (patch 4/5, its migrate-and-retry), mremap/mprotect, MRs spanning
// several VMAs (one VMA per MR; scenario F), p2p_map granularity (the RFC
// calls it once per VMA slice; here once per page, so the injected
// failure and the unwind leak fall on page boundaries), the BUG() oops
// itself (the task goes on; only the unmap is lost), IOMMU and RAM
// mappings as tracked resources (p2p_map of a RAM object is not counted),
// moving objects back into VRAM, and the 'long' return truncated to int.
// The world is finite (its limits bound VMAs, MRs, objects and fault
// injections, and an object is at most as large as the largest BAR); a
// freed BAR page marks every p2p_map() of it stale instead of counting
// generations, and a leaked p2p_map() is remembered per BAR page.
//
// Sources: https://lore.kernel.org/r/20190129174728.6430-{1..6}-jglisse@redhat.com
// (cover, pci_test_p2p, device_test_p2p, p2p_map API, HMM device memory,
// hmm_range_dma_map); 20190129195302.GI3176@redhat.com (pci_test_p2p
// always false); 20190129204359.GM3176@redhat.com (exporter serialises
// p2p_map against invalidation); 20190130080006.GB29665@lst.de (no direct
// I/O, no MRs); mm/gup.c check_vma_flags().
import type { Design } from '../design.js';
import { makeDesign } from '../machine.js';
import { NONE } from '../packed.js';
import { exporterName, ghostView } from '../shared.js';
import { dmaBufKinds } from '../skeleton.js';
import { driverStates } from '../state.js';
import { vmaP2pKnobs, vmaP2pPresets } from './knobs.js';
import { decodeKnobs, IN_BAR, MAPPED_BAR, MAPPED_RAM, placementName, VpState, vpClasses, vpSymmetry } from './state.js';
import { handlers } from './step.js';


/** A p2p_map() a live MR holds, in words. */
function describeMap(s: VpState, m: number, i: number): string {
  const map = s.mapping(m, i);
  const of = map.alloc === NONE ? 'a freed object' : `a${map.alloc}`;
  return `p2p_map of ${of} (${exporterName(s, map.exporter)} page ${map.page}) to ${s.world.config.importers[s.mr(m).importer]!.name}`;
}

/**
 * The RFC's accounting as it intends it: each p2p_map is undone by one
 * p2p_unmap from the MR that holds it (a map no MR holds can never be
 * undone: leaked), a free BAR page belongs to no object, and a live
 * object in the BAR owns exactly its pages.
 */
function audit(s: VpState): string[] {
  const broken: string[] = [];
  s.world.config.exporters.forEach((ex, e) => {
    for (let p = 0; p < ex.pages; p++) {
      const page = s.page(e, p);
      if (page.orphaned) broken.push(`p2p_map of ${ex.name} page ${p} leaked: no MR holds it, no p2p_unmap can follow`);
      const claimants: number[] = [];
      for (let a = 0; a < s.world.allocs; a++) {
        const obj = s.alloc(a);
        if (obj.used && obj.placement === IN_BAR && obj.exporter === e && p >= obj.start && p < obj.start + obj.npages) claimants.push(a);
      }
      const expected = page.owner === NONE ? [] : [page.owner];
      if (claimants.join() === expected.join()) continue;
      const says = page.owner === NONE ? 'free' : `a${page.owner}`;
      broken.push(`${ex.name} page ${p}: allocator says ${says}, objects in the BAR holding it: [${claimants.map((a) => `a${a}`).join(', ')}]`);
    }
  });
  return broken;
}

/** What is still held once everything has exited and drained. */
function held(s: VpState): string[] {
  const out: string[] = [];
  for (let m = 0; m < s.world.mrs; m++) {
    if (!s.mr(m).live) continue;
    for (let i = 0; i < s.mr(m).npages; i++) if (s.mapping(m, i).kind === MAPPED_BAR) out.push(`${describeMap(s, m, i)} never p2p_unmapped`);
  }
  s.world.config.exporters.forEach((ex, e) => {
    for (let p = 0; p < ex.pages; p++) {
      const page = s.page(e, p);
      if (page.orphaned) out.push(`a leaked p2p_map of ${ex.name} page ${p} never p2p_unmapped`);
      if (page.owner !== NONE) out.push(`${ex.name} page ${p}: still allocated to a${page.owner}`);
    }
  });
  for (let a = 0; a < s.world.allocs; a++) if (s.alloc(a).used) out.push(`a${a}: object still allocated (${placementName(s.alloc(a).placement)})`);
  return out;
}

function clean(s: VpState): boolean {
  const w = s.world;
  for (let m = 0; m < w.mrs; m++) for (let i = 0; i < s.mr(m).npages; i++) if (s.mr(m).live && s.mapping(m, i).kind === MAPPED_BAR) return false;
  for (let e = 0; e < w.config.exporters.length; e++)
    for (let p = 0; p < w.config.exporters[e]!.pages; p++) if (s.page(e, p).orphaned || s.page(e, p).owner !== NONE) return false;
  for (let a = 0; a < w.allocs; a++) if (s.alloc(a).used) return false;
  return true;
}

function decode(s: VpState): Record<string, unknown> {
  const w = s.world;
  const { config } = w;
  const out: Record<string, unknown> = {};
  const ref = (prefix: string, i: number) => (i === NONE ? null : `${prefix}${i}`);
  const header = s.header;
  if (header.armed !== NONE || header.fired > 0) out.fault = { armed: header.armed === NONE ? null : header.armed, fired: header.fired };
  config.exporters.forEach((ex, e) => {
    const pages: Record<string, unknown> = {};
    for (let p = 0; p < ex.pages; p++) {
      const page = s.page(e, p);
      pages[`page${p}`] = { owner: ref('a', page.owner), ...(page.orphaned ? { leaked_p2p_map_of: ref('a', page.orphan_alloc) } : {}) };
    }
    out[ex.name] = { driver: driverStates[s.exporter(e).driver], ...pages };
  });
  for (let a = 0; a < w.allocs; a++) {
    const obj = s.alloc(a);
    if (obj.used)
      out[`a${a}`] = {
        exporter: exporterName(s, obj.exporter),
        placement: placementName(obj.placement),
        pages: obj.placement === IN_BAR ? `${obj.start}+${obj.npages}` : `${obj.npages}`,
        vmas: obj.vmas,
        evicting: obj.evicting,
      };
  }
  for (let p = 0; p < w.procs; p++) {
    if (!s.proc(p).alive) continue;
    const vmas: Record<string, unknown> = {};
    for (let v = 0; v < w.vmas; v++) {
      const vma = s.vma(p, v);
      if (vma.used) vmas[`vma${v}`] = { exporter: exporterName(s, vma.exporter), alloc: ref('a', vma.alloc), npages: vma.npages, ptes: vma.ptes };
    }
    out[`p${p}`] = vmas;
  }
  for (let m = 0; m < w.mrs; m++) {
    const mr = s.mr(m);
    if (!mr.live) continue;
    const dmaList = Array.from({ length: mr.npages }, (_, i) => {
      const map = s.mapping(m, i);
      if (map.kind === MAPPED_RAM) return 'ram';
      if (map.kind !== MAPPED_BAR) return null;
      return `p2p_map ${ref('a', map.alloc) ?? 'freed'} ${exporterName(s, map.exporter)} page ${map.page}${map.stale ? ' (stale)' : ''}`;
    });
    out[`mr${m}`] = { proc: `p${mr.proc}`, importer: config.importers[mr.importer]!.name, vma: `vma${mr.vma}`, pending_invalidation: mr.pending, dma_list: dmaList };
  }
  return out;
}

export const vmaP2p: Design<VpState> = makeDesign({
  id: 'vma-p2p',
  title: 'p2p_map/p2p_unmap in vm_operations_struct, importers obey mmu notifiers (Glisse RFC 2019)',
  presets: vmaP2pPresets,
  knobs: vmaP2pKnobs,
  classes: vpClasses,
  decodeKnobs,
  wrap: (m, b, o) => new VpState(m, b, o),
  init: () => {},
  handlers,
  // refused whatever the state: GUP never gets past VM_PFNMAP, no bio is ever in flight
  inert: (a) =>
    dmaBufKinds.has(a.kind) ||
    (a.kind === 'proc_mmap' && (!a.shared || a.offset !== 0)) ||
    (a.kind === 'proc_reg_mr' && !a.odp) ||
    a.kind === 'proc_odirect' ||
    a.kind === 'proc_kernel_copy' ||
    a.kind === 'dev_io_dma' ||
    a.kind === 'dev_io_complete',
  // eviction moves an object out of the BAR; once evicting, its finish is offered
  offerRestore: () => false,
  offerMemory: () => 0,
  // the GPU driver fills a mapping by faults: ->mmap inserts nothing an unlinked VMA could hide
  splitsMmap: false,
  offerEvict: (s, a) => s.alloc(a).evicting || s.alloc(a).placement === IN_BAR,
  view(s) {
    let owed = 0;
    for (let m = 0; m < s.world.mrs; m++) if (s.mr(m).live && s.mr(m).pending) owed++;
    return ghostView(s, owed);
  },
  audit,
  held,
  clean,
  decode,
  symmetry: vpSymmetry,
});
