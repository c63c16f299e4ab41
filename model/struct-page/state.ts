// struct-page state: the kernel objects of drivers/pci/p2pdma.c,
// mm/memremap.c and mm/gup.c that decide lifetime, named as there.
import type { Knobs } from '../design.js';
import type { AllocId, Config, DriverState, ExporterId, ImporterId, ProcId, VmaId } from '../vocabulary.js';

export interface SpKnobs {
  readonly gupGate: boolean;
  readonly longtermAllowed: boolean;
  readonly umemP2pdma: boolean;
  readonly odpP2pdma: boolean;
  readonly mapChecksRoute: boolean;
  readonly pagePgmapRef: boolean;
  readonly insertFailPutsRef: boolean;
  readonly insertFailResetsCount: boolean;
}

function decodeKnobs(k: Knobs): SpKnobs {
  return {
    gupGate: k.gup_p2pdma_gate !== 'off',
    longtermAllowed: k.longterm_p2pdma === 'allowed',
    umemP2pdma: k.umem_p2pdma === 'on',
    odpP2pdma: k.odp_p2pdma === 'on',
    mapChecksRoute: k.dma_map_checks_route !== 'off',
    pagePgmapRef: k.mmap_takes_page_pgmap_ref !== 'off',
    insertFailPutsRef: k.insert_fail_puts_ref !== 'off',
    insertFailResetsCount: k.insert_fail_resets_count !== 'off',
  };
}

export interface SpPage {
  /** page_ref_count(): one per PTE mapping it plus one per pin; 0 when idle (b7e282378773). */
  readonly refcount: number;
  /** gen_pool_alloc_owner(): the allocation holding the page, null while in the pool. */
  readonly owner: AllocId | null;
  /** Ghost: bumped by p2pdma_folio_free() so reuse is visible. */
  readonly gen: number;
}

export interface SpExporter {
  /** dev->driver, and how far the devm teardown of pci_p2pdma_release() got. */
  readonly driver: DriverState;
  /** percpu_ref count of pgmap->ref, as the code computes it. */
  readonly pgmap_ref: number;
  /** percpu_ref_kill(&pgmap->ref) done by memunmap_pages(): tryget_live fails. */
  readonly ref_dead: boolean;
  readonly pages: readonly SpPage[];
}

/** What a pin_user_pages() caller was handed: the page and whose it was. */
export interface SpPin {
  readonly exporter: ExporterId;
  readonly page: number;
  readonly alloc: AllocId;
  readonly gen: number;
}

export interface SpVma {
  readonly proc: ProcId;
  readonly exporter: ExporterId;
  readonly alloc: AllocId;
  /** vm_insert_page() target of each page of the VMA. */
  readonly pages: readonly number[];
  /** Still in the mm (find_vma); false after munmap/exit. */
  readonly mapped: boolean;
  /** PTEs present; false after unmap_mapping_range() zapped them. */
  readonly ptes: boolean;
}

/** A bio of an O_DIRECT request holding its pin until bio_endio(). */
export interface SpIo {
  readonly importer: ImporterId;
  readonly pin: SpPin;
  readonly read: boolean;
  readonly inflight: boolean;
}

/** struct ib_umem (pinned) or ib_umem_odp (mirrors the VMA through an mmu_interval_notifier). */
export interface SpMr {
  readonly importer: ImporterId;
  readonly proc: ProcId;
  readonly vma: VmaId;
  readonly odp: boolean;
  readonly live: boolean;
  /** ib_umem_get(): one FOLL_LONGTERM pin per page; empty for ODP. */
  readonly pinned: readonly SpPin[];
  /** ib_umem_odp dma_list: the page each MR page is DMA-mapped to, null if not faulted. */
  readonly odpMapped: readonly (SpPin | null)[];
}

/** One p2pmem allocation made by one mmap; `evicting` once revoked. */
export interface SpAlloc {
  readonly exporter: ExporterId;
  readonly pages: readonly number[];
  readonly evicting: boolean;
}

export interface SpState {
  readonly config: Config;
  readonly knobs: SpKnobs;
  readonly exporters: readonly SpExporter[];
  /** task_struct with its mm: alive until exit. */
  readonly procs: readonly { readonly alive: boolean; readonly born: boolean }[];
  readonly vmas: readonly SpVma[];
  readonly allocs: readonly SpAlloc[];
  readonly ios: readonly SpIo[];
  readonly mrs: readonly SpMr[];
  /** should_fail() armed for the nth vm_insert_page() of the next mmap. */
  readonly injectInsertFail: number | null;
}

export function initState(config: Config, knobs: Knobs): SpState {
  return {
    config,
    knobs: decodeKnobs(knobs),
    exporters: config.exporters.map((e) => ({
      driver: 'bound',
      // memremap_pages(): percpu_ref_get_many(pgmap->ref, pfn_len)
      pgmap_ref: e.pages,
      ref_dead: false,
      pages: Array.from({ length: e.pages }, () => ({ refcount: 0, owner: null, gen: 0 })),
    })),
    procs: Array.from({ length: config.processes }, (_, i) => ({ alive: i === 0, born: i === 0 })),
    vmas: [],
    allocs: [],
    ios: [],
    mrs: [],
    injectInsertFail: null,
  };
}
