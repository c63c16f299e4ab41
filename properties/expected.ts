// The expected verdict of every design/preset/property, each with its
// reason: the `Result:` lines of this model. npm test judges them by
// running the search; explore exits 1 when a run disagrees.
import type { DesignId } from '../model/design.js';
import type { PropertyId } from './catalogue.js';
import type { Verdict } from './explore.js';

export interface Expectation {
  readonly verdict: Verdict;
  readonly reason: string;
}

type Table = Readonly<Record<string, Readonly<Record<PropertyId, Expectation>>>>;

const holds = (reason: string): Expectation => ({ verdict: 'holds', reason });
const violated = (reason: string): Expectation => ({ verdict: 'violated', reason });
const sometimes = (reason: string): Expectation => ({ verdict: 'sometimes', reason });
const never = (reason: string): Expectation => ({ verdict: 'never', reason });

const mainline: Readonly<Record<PropertyId, Expectation>> = {
  'dma-to-live-allocation': holds('a pinned or mapped page keeps its refcount, so it is never freed under a DMA'),
  'dma-to-bound-exporter': holds('memunmap_pages() waits for pgmap->ref, which every allocated page holds'),
  'no-kernel-cpu-access': holds('GUP without FOLL_PCI_P2PDMA gets -EREMOTEIO, so kmap never sees a BAR page'),
  'route-supported': holds('pci_p2pdma_map_type() NOT_SUPPORTED fails the DMA map with -EREMOTEIO'),
  'accounting-consistent': holds('every page ref and pgmap ref taken is dropped on the paths that undo it'),
  'unbind-completes': holds('FOLL_LONGTERM P2PDMA pins are refused; the only pins are bios, which complete'),
  'evict-completes': holds('after zapping, only short-term bio pins remain, and they complete'),
  'no-leak': holds('exit unmaps and deregisters; completed bios unpin; every free puts its pgmap ref'),
  'odirect-to-bar': sometimes('a queue with blk_queue_pci_p2pdma() pins with FOLL_PCI_P2PDMA'),
  'rdma-mr-on-bar': never('ib_umem_get() pins without FOLL_PCI_P2PDMA (-EREMOTEIO); ODP refuses P2P pages'),
  'p2p-dma': sometimes('O_DIRECT through a P2P-capable queue'),
};

export const expected: Readonly<Record<DesignId, Table>> = {
  'struct-page': {
    mainline,
    'lsfmm-2020': {
      ...mainline,
      'no-kernel-cpu-access': violated('no FOLL_PCI_P2PDMA gate: process_vm_readv pins a BAR page and kmaps it'),
      'route-supported': violated('pre-v6.0 dma_map_sg does not classify P2P pages: an MR maps over no route'),
      'unbind-completes': violated('a long-term RDMA pin holds a page ref, so pgmap->ref never drains'),
      'evict-completes': violated('a long-term RDMA pin keeps the page allocated; pinning defeats eviction'),
      'rdma-mr-on-bar': sometimes('ib_umem_get() pins BAR pages for FOLL_LONGTERM without any gate'),
    },
    'bug-insert-leak': {
      ...mainline,
      'accounting-consistent': violated('a failed vm_insert_page() leaves the tryget_live pgmap ref taken'),
      'unbind-completes': violated('the leaked pgmap ref never drops, so memunmap_pages() waits forever'),
      'no-leak': violated('the leaked pgmap ref survives every exit and completion'),
    },
    'bug-zone-device-refcount': {
      ...mainline,
      'dma-to-bound-exporter': violated('unbind finishes with an O_DIRECT pin in flight; the NVMe then DMAs'),
      'accounting-consistent': violated('mapped pages hold no pgmap ref, so pgmap_ref != base + allocated'),
    },
  },
  'vma-p2p': {},
};

export function expectationOf(design: DesignId, preset: string, property: PropertyId): Expectation | undefined {
  return expected[design][preset]?.[property];
}
