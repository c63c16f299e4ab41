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
// Knobs per preset (DOMAIN.md §7): rfc-2019 = importer obeys, exporter
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
//
// Sources: https://lore.kernel.org/r/20190129174728.6430-{1..6}-jglisse@redhat.com
// (cover, pci_test_p2p, device_test_p2p, p2p_map API, HMM device memory,
// hmm_range_dma_map); 20190129195302.GI3176@redhat.com (pci_test_p2p
// always false); 20190129202000.GM3176@redhat.com (exporter serialises
// p2p_map against invalidation); 20190130080006.GB29665@lst.de (no direct
// I/O, no MRs); mm/gup.c check_vma_flags(); DOMAIN.md §3, §7.
import type { Design } from '../design.js';
import { enumerateActions, startCensus } from '../enumerate.js';
import { ghostView } from '../shared.js';
import type { GhostView } from '../vocabulary.js';
import { vmaP2pKey } from './key.js';
import { vmaP2pKnobs, vmaP2pPresets } from './knobs.js';
import { initState, type VpP2pMap, type VpState } from './state.js';
import { step } from './step.js';

function view(s: VpState): GhostView {
  let owed = 0;
  for (const mr of s.mrs) if (mr.live && mr.pendingInvalidation) owed++;
  return ghostView(s.exporters, s.objects, owed);
}

function describe(s: VpState, m: VpP2pMap): string {
  const imp = s.config.importers[m.importer]!.name;
  return `p2p_map of a${m.alloc} (${s.config.exporters[m.exporter]!.name} page ${m.page}) to ${imp}`;
}

/** Live MR pages that map each p2p_map record. */
function holdersOf(s: VpState): number[] {
  const holders = s.p2pMaps.map(() => 0);
  for (const mr of s.mrs.filter((m) => m.live))
    for (const m of mr.mapped) if (m?.mem === 'bar') holders[m.p2p] = holders[m.p2p]! + 1;
  return holders;
}

/**
 * DOMAIN.md §4.5 for vma-p2p, as the RFC intends it: each p2p_map is
 * undone by exactly one p2p_unmap from whoever holds it (an outstanding
 * map is held by exactly one MR page; an unmapped one by none), a free BAR
 * page belongs to no object, and a live object in the BAR owns exactly
 * its pages. A p2p_map that no MR holds can never be p2p_unmapped: leaked.
 */
function audit(s: VpState): string[] {
  const broken: string[] = [];
  const holders = holdersOf(s);
  s.p2pMaps.forEach((m, i) => {
    const want = m.outstanding ? 1 : 0;
    if (holders[i] === want) return;
    broken.push(
      m.outstanding
        ? `${describe(s, m)} leaked: no MR holds it, no p2p_unmap can follow`
        : `${describe(s, m)} p2p_unmapped while ${holders[i]} MR pages still use it`,
    );
  });
  s.exporters.forEach((ex, e) => {
    const name = s.config.exporters[e]!.name;
    ex.pages.forEach((page, p) => {
      const claimants = s.objects.flatMap((o, id) =>
        o.live && o.placement === 'bar' && o.exporter === e && o.pages.includes(p) ? [id] : [],
      );
      const expected = page.owner === null ? [] : [page.owner];
      if (claimants.join() === expected.join()) return;
      const says = page.owner === null ? 'free' : `a${page.owner}`;
      const holding = claimants.map((id) => `a${id}`).join(', ');
      broken.push(`${name} page ${p}: allocator says ${says}, objects in the BAR holding it: [${holding}]`);
    });
  });
  return broken;
}

/** What is still held once everything has exited and drained (DOMAIN.md §4.8). */
function held(s: VpState): string[] {
  const out: string[] = [];
  for (const m of s.p2pMaps) if (m.outstanding) out.push(`${describe(s, m)} never p2p_unmapped`);
  s.exporters.forEach((ex, e) => {
    ex.pages.forEach((page, p) => {
      if (page.owner !== null) out.push(`${s.config.exporters[e]!.name} page ${p}: still allocated to a${page.owner}`);
    });
  });
  s.objects.forEach((o, id) => {
    if (o.live) out.push(`a${id}: object still allocated (${o.placement})`);
  });
  return out;
}

function enabled(s: VpState) {
  const census = startCensus(s.procs, s.exporters.map((e) => e.driver), s.injectInsertFail !== null);
  // plain loops: this runs once per state of a search and per drain step
  for (let id = 0; id < s.vmas.length; id++) {
    const v = s.vmas[id]!;
    if (v.mapped) census.vmas.push({ id, proc: v.proc, pages: v.npages });
  }
  for (let id = 0; id < s.mrs.length; id++) {
    const mr = s.mrs[id]!;
    if (!mr.live) continue;
    census.mrs.push({ id, proc: mr.proc, importer: mr.importer, pages: mr.mapped.length });
    if (mr.pendingInvalidation) census.pendingAcks.push({ mr: id, importer: mr.importer });
  }
  for (let id = 0; id < s.objects.length; id++) {
    const o = s.objects[id]!;
    if (o.evicting || (o.live && o.placement === 'bar')) census.allocs.push({ id, exporter: o.exporter, evicting: o.evicting });
  }
  return enumerateActions(s.config, census);
}

export const vmaP2p: Design<VpState> = {
  id: 'vma-p2p',
  title: 'vma-p2p: p2p_map/p2p_unmap in vm_operations_struct, importers obey mmu notifiers (Glisse RFC 2019)',
  presets: vmaP2pPresets,
  knobs: vmaP2pKnobs,
  init: initState,
  step,
  enabled,
  view,
  audit,
  held,
  key: vmaP2pKey,
};
