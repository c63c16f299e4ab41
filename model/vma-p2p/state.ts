// vma-p2p state: the exporter driver's objects and BAR, the VMAs its
// f_op->mmap creates, the importer's ODP MRs and the p2p_map() calls
// (RFC patches 3/5 and 5/5), named after the kernel objects they stand for.
import type { Knobs } from '../design.js';
import type { AllocId, Config, DriverState, ExporterId, ImporterId, ProcId, VmaId } from '../vocabulary.js';

export type ExporterWaits = 'revoke' | 'always' | 'never';

export interface VpKnobs {
  readonly importerObeys: boolean;
  readonly exporterWaits: ExporterWaits;
  readonly fenceInNotifier: boolean;
  readonly testP2pAlwaysFalse: boolean;
  readonly unmapWithoutVmaBugs: boolean;
  readonly unwindLeaks: boolean;
}

function decodeKnobs(k: Knobs): VpKnobs {
  return {
    importerObeys: k.importer !== 'ignores',
    exporterWaits: k.exporter_waits === 'always' || k.exporter_waits === 'never' ? k.exporter_waits : 'revoke',
    fenceInNotifier: k.revoke_fence === 'in-notifier',
    testP2pAlwaysFalse: k.pci_test_p2p === 'as-posted',
    unmapWithoutVmaBugs: k.dma_unmap_without_vma === 'bug',
    unwindLeaks: k.dma_map_error_unwind === 'leaks',
  };
}

export interface VpPage {
  /** The driver's BAR allocator: the object holding the page, null while free. */
  readonly owner: AllocId | null;
  /** Ghost: bumped on every free so reuse is visible. */
  readonly gen: number;
}

export interface VpExporter {
  /** dev->driver; 'unbinding' between zapping and the end of remove(). */
  readonly driver: DriverState;
  readonly pages: readonly VpPage[];
}

/** Where the object's memory is: VRAM (BAR), evicted to system RAM, or gone with the driver. */
export type Placement = 'bar' | 'ram' | 'gone';

/** The exporter driver's object behind one mmap (a GEM BO / TTM buffer object). */
export interface VpObject {
  readonly exporter: ExporterId;
  readonly npages: number;
  readonly placement: Placement;
  /** BAR pages backing it while placement is 'bar'. */
  readonly pages: readonly number[];
  /** vm_ops->open/close: VMAs mapping it; at zero the driver frees it. */
  readonly vmas: number;
  /** Revocation started (zap_vma_ptes done), move to RAM not yet done. */
  readonly evicting: boolean;
  /** Not yet freed (drm_gem_object_release / ttm_bo_put). */
  readonly live: boolean;
}

export interface VpVma {
  readonly proc: ProcId;
  readonly exporter: ExporterId;
  readonly alloc: AllocId;
  readonly npages: number;
  /** Still in the mm (find_vma); false after munmap/exit. */
  readonly mapped: boolean;
  /** CPU PTEs present (io_remap_pfn_range / vm_ops->fault); false after zap_vma_ptes(). */
  readonly ptes: boolean;
}

/** Where one MR page is DMA-mapped: a p2p_map() record, or RAM addresses p2p_map() returned. */
export type VpMapping = { readonly mem: 'bar'; readonly p2p: number } | { readonly mem: 'ram' };

/** struct ib_umem_odp: mirrors one VMA through an mmu_interval_notifier. */
export interface VpMr {
  readonly importer: ImporterId;
  readonly proc: ProcId;
  readonly vma: VmaId;
  readonly live: boolean;
  /** The dma_list of hmm_range_dma_map(), per MR page; null when not faulted. */
  readonly mapped: readonly (VpMapping | null)[];
  /** Invalidation delivered, device not yet fenced: it may still DMA (DOMAIN.md §7). */
  readonly pendingInvalidation: boolean;
}

/** One page given out by vm_ops->p2p_map(), and whether p2p_unmap() has undone it. */
export interface VpP2pMap {
  readonly importer: ImporterId;
  readonly exporter: ExporterId;
  readonly page: number;
  readonly alloc: AllocId;
  readonly gen: number;
  readonly outstanding: boolean;
}

export interface VpState {
  readonly config: Config;
  readonly knobs: VpKnobs;
  readonly exporters: readonly VpExporter[];
  /** task_struct with its mm: alive until exit. */
  readonly procs: readonly { readonly alive: boolean; readonly born: boolean }[];
  readonly vmas: readonly VpVma[];
  /** Indexed by AllocId. */
  readonly objects: readonly VpObject[];
  readonly mrs: readonly VpMr[];
  /** Every p2p_map() that succeeded, in order; what an exporter waits on. */
  readonly p2pMaps: readonly VpP2pMap[];
  /** should_fail() armed for the nth PFN insert of the next mmap or the nth p2p_map of a fault. */
  readonly injectInsertFail: number | null;
}

export function initState(config: Config, knobs: Knobs): VpState {
  return {
    config,
    knobs: decodeKnobs(knobs),
    exporters: config.exporters.map((e) => ({
      driver: 'bound',
      pages: Array.from({ length: e.pages }, () => ({ owner: null, gen: 0 })),
    })),
    procs: Array.from({ length: config.processes }, (_, i) => ({ alive: i === 0, born: i === 0 })),
    vmas: [],
    objects: [],
    mrs: [],
    p2pMaps: [],
    injectInsertFail: null,
  };
}
