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
  'route-supported': holds('pci_p2pdma_map_type() NOT_SUPPORTED fails the DMA map: O_DIRECT -EINVAL, ibv_reg_mr -EREMOTEIO, an ODP fault -EFAULT'),
  'accounting-consistent': holds('every page ref and pgmap ref taken is dropped on the paths that undo it'),
  'unbind-completes': violated('p2pmem_alloc_mmap() inserts the pages inside ->mmap, but mmap() links the VMA into i_mmap (vma_link_file()) only after it: an unbind in between zaps nothing there, and memunmap_pages() waits on those PTE refs'),
  'evict-completes': violated('the same window for the hypothetical provider eviction: its unmap_mapping_range() misses a VMA not yet linked, whose PTEs keep the pages'),
  'no-leak': holds('exit unmaps and deregisters; completed bios unpin; every free puts its pgmap ref'),
  'odirect-to-bar': sometimes('a queue with blk_queue_pci_p2pdma() pins with FOLL_PCI_P2PDMA'),
  'rdma-mr-on-bar': sometimes('an ODP MR faults BAR pages (hmm_dma_map_pfn, v6.17); a pinned one gets -EREMOTEIO from ib_umem_get()'),
  'p2p-dma': sometimes('O_DIRECT through a P2P-capable queue, or an ODP MR'),
};

const rfc2019: Readonly<Record<PropertyId, Expectation>> = {
  'dma-to-live-allocation': holds('the importer fences in the notifier, so a zap returns only once every p2p_map of the object is undone'),
  'dma-to-bound-exporter': holds('remove() finishes only once every p2p_map of the BAR is p2p_unmapped'),
  'no-kernel-cpu-access': holds('GUP refuses VM_PFNMAP (check_vma_flags -EFAULT): no kernel path gets the BAR'),
  'route-supported': holds('p2p_map checks pci_test_p2p() (the P2P distance) and fails -EREMOTEIO'),
  'accounting-consistent': holds('every p2p_map is held by one MR page and undone once, even on error and dereg'),
  'unbind-completes': holds('the importer fences each notified MR by itself; nothing waits on user space'),
  'evict-completes': holds('the notified importers fence inside the zap; the move has nothing left to wait for'),
  'no-leak': holds('exit fences every MR in mmu_notifier_release, frees every object, deregisters every MR'),
  'odirect-to-bar': never('GUP on a VM_IO|VM_PFNMAP VMA fails -EFAULT (20190130080006.GB29665)'),
  'rdma-mr-on-bar': sometimes('an ODP MR faults through hmm_range_dma_map() -> p2p_map() and the NIC DMAs'),
  'p2p-dma': sometimes('an ODP MR on a NIC with a supported route'),
};

const revokeV71: Readonly<Record<PropertyId, Expectation>> = {
  'dma-to-live-allocation': holds('an importer that cannot revoke is refused at attach; a dynamic one unmaps in its callback, and a revoked buffer maps -ENODEV'),
  'dma-to-bound-exporter': holds('remove() revokes every dma-buf and waits until every attachment has unmapped'),
  'no-kernel-cpu-access': holds('GUP refuses the VM_PFNMAP mapping (check_vma_flags -EFAULT): no kernel path gets the BAR'),
  'route-supported': holds('dma_buf_phys_vec_to_sgt() fails NOT_SUPPORTED with -EINVAL'),
  'accounting-consistent': holds('files, attachments and pins are taken and put on the paths that undo them'),
  'unbind-completes': holds('only revocable importers attach, and they unmap inside their callback (user space taken to close the VFIO device fd when remove() asks)'),
  'evict-completes': holds('a revoke waits only for importers that unmap in their callback'),
  'no-leak': holds('exit closes every file and deregisters every attachment; the last put releases the dma-buf'),
  'odirect-to-bar': never('GUP on a VM_PFNMAP mapping fails -EFAULT: O_DIRECT takes no dma-buf'),
  'rdma-mr-on-bar': sometimes('an ODP ibv_reg_dmabuf_mr maps the BAR and the NIC DMAs'),
  'p2p-dma': sometimes('an ODP dma-buf MR on a NIC with a supported route'),
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
      'unbind-completes': holds('memunmap_pages() waits on no page ref, so even PTEs unbind missed do not hold it'),
    },
  },
  'vma-p2p': {
    'rfc-2019': rfc2019,
    'legacy-importer': {
      ...rfc2019,
      'dma-to-live-allocation': violated('munmap frees the object; the ignoring NIC DMAs through its old p2p_map into the freed page'),
      'unbind-completes': violated('remove() waits for a p2p_unmap that the ignoring importer only issues at ibv_dereg_mr'),
      'evict-completes': violated('the move waits for a p2p_unmap that the ignoring importer only issues at ibv_dereg_mr'),
    },
    'exporter-no-wait': {
      ...rfc2019,
      'dma-to-live-allocation': violated('eviction frees the BAR pages while the notified NIC has not fenced yet; it DMAs into them'),
      'dma-to-bound-exporter': violated('unbind finishes before the notified NIC fences; it DMAs into the gone BAR'),
      'unbind-completes': holds('remove() does not wait for p2p_unmap at all'),
      'evict-completes': holds('the object moves to RAM in the evicting step itself'),
    },
    'as-posted': {
      ...rfc2019,
      'accounting-consistent': holds('no BAR p2p_map ever succeeds, so neither the unwind leak nor the dereg BUG() is reached'),
      'no-leak': holds('no BAR p2p_map ever succeeds; exit frees every object'),
      'rdma-mr-on-bar': never('pci_test_p2p() returns false, so p2p_map fails -EREMOTEIO on every BAR object'),
      'p2p-dma': never('pci_test_p2p() always returns false (20190129195302.GI3176)'),
    },
  },
  'dma-buf': {
    'revoke-v7.1': revokeV71,
    'vfio-v6.19': {
      ...revokeV71,
      'dma-to-live-allocation': violated('close disables the function (decoding off, BAR regions released) before vfio_pci_dma_buf_cleanup() revokes: an ODP MR still mapped DMAs into it (d97708701434)'),
      'dma-to-bound-exporter': holds('no pinned importer can attach; a dynamic one unmaps in its callback before remove() returns'),
      'unbind-completes': holds('remove() does not wait for unmaps'),
      'evict-completes': holds('a revoke does not wait'),
    },
    'vfio-v6.19-rc': {
      ...revokeV71,
      'dma-to-live-allocation': violated('a pinned MR keeps its mapping on revoke (a warning only), and close disables the BAR before the cleanup revokes: the NIC DMAs into the disabled BAR'),
      'dma-to-bound-exporter': violated('remove() revokes without waiting; the pinned MR still DMAs after it returns'),
      'unbind-completes': holds('remove() does not wait for unmaps'),
      'evict-completes': holds('a revoke does not wait'),
    },
    'dynamic-move-notify': {
      ...revokeV71,
      'dma-to-live-allocation': holds('the move frees VRAM only once every notified importer has fenced (dma_resv); a pinned object never moves'),
      'dma-to-bound-exporter': violated('remove() does not wait for pins: a pinned MR keeps its VRAM mapping and the NIC DMAs into the gone BAR'),
      'route-supported': holds('with no route the attachment loses peer2peer and the object goes to GTT: no P2P DMA'),
      'unbind-completes': holds('remove() waits only for the fences of notified dynamic importers, never for a pin'),
      'evict-completes': holds('TTM never moves a pinned object (evict is refused); an unpinned one moves once its importers fence'),
    },
    'static-pinned': {
      ...revokeV71,
      'dma-to-live-allocation': holds('every attachment pins the object, into GTT: nothing moves under it'),
      'dma-to-bound-exporter': holds('every importer maps system RAM (GTT), never the BAR'),
      'route-supported': holds('no P2P DMA happens at all'),
      'rdma-mr-on-bar': never('attach+map pins the object into GTT: the NIC DMAs to system RAM'),
      'p2p-dma': never('no attachment is P2P: the GPU pins into system RAM (GTT)'),
    },
    'revoke-v7.1-rc': {
      ...revokeV71,
      'accounting-consistent': violated('vfio_pci_dma_buf_cleanup() puts again the kref of a dma-buf that a revoke (memory off) drained: refcount_t underflow'),
      'unbind-completes': violated('after that underflow nothing completes priv->comp: the wait in vfio_pci_dma_buf_cleanup() never returns'),
      'no-leak': violated('the blocked cleanup never drops memory_lock or the device registration, whatever user space closes'),
    },
  },
};

export function expectationOf(design: DesignId, preset: string, property: PropertyId): Expectation | undefined {
  return expected[design][preset]?.[property];
}
