// struct-page design decisions, one knob each, and its presets as knob sets.
import type { KnobSpec, PresetSpec } from '../design.js';

export const structPageKnobs: readonly KnobSpec[] = [
  {
    name: 'gup_p2pdma_gate',
    values: ['on', 'off'],
    default: 'on',
    doc: 'GUP refuses P2PDMA pages (-EREMOTEIO) unless the caller passes FOLL_PCI_P2PDMA',
    cite: '4003f107fa2e "mm: introduce FOLL_PCI_P2PDMA to gate getting PCI P2PDMA pages" (v6.2, try_grab_page)',
  },
  {
    name: 'longterm_p2pdma',
    values: ['refused', 'allowed'],
    default: 'refused',
    doc: 'FOLL_LONGTERM|FOLL_PCI_P2PDMA is refused so the pgmap can always be unplugged',
    cite: 'is_valid_gup_args() (v6.2: check_vma_flags -EOPNOTSUPP); Martin Oliveira 2024 "mm/gup: allow FOLL_LONGTERM & FOLL_PCI_P2PDMA" (not merged)',
  },
  {
    name: 'umem_p2pdma',
    values: ['off', 'on'],
    default: 'off',
    doc: 'ib_umem_get() passes FOLL_PCI_P2PDMA with its FOLL_LONGTERM pin',
    cite: 'drivers/infiniband/core/umem.c (FOLL_LONGTERM only); Martin Oliveira 2024 "RDMA/umem: add support for P2P RDMA" (not merged)',
  },
  {
    name: 'odp_p2pdma',
    values: ['off', 'on'],
    default: 'on',
    doc: 'an ODP MR fault maps P2PDMA pages: hmm_range_fault() walks the VM_MIXEDMAP VMA and hmm_dma_map_pfn() classifies them by route (v6.17), or the fault fails (v5.10..v5.16: hmm_range_fault() refused VM_MIXEDMAP)',
    cite: '87c01d57fa23 "mm/hmm.c: allow VM_MIXEDMAP to work with hmm_range_fault" (v5.17); "mm/hmm: provide generic DMA managing logic" (v6.17: pci_p2pdma_state()); mlx5 populate_mtt()',
  },
  {
    name: 'dma_map_checks_route',
    values: ['on', 'nvme-only'],
    default: 'on',
    doc: 'DMA mapping classifies P2P pages (pci_p2pdma_map_type) and fails NOT_SUPPORTED: O_DIRECT -EINVAL (nvme, blk_rq_dma_map_iter_start), ibv_reg_mr -EREMOTEIO (dma_map_sgtable); nvme-only: before v6.0 only nvme classified them (pci_p2pdma_map_sg_attrs()), mapping none over no route: nvme_map_data() returned BLK_STS_RESOURCE and blk-mq requeued the request for ever (no DMA, no completion, the task in D state); an MR\'s dma_map_sg() mapped the page over no route. Routes are classified as since v6.0 (719c98658058): before it, a pair never measured by pci_p2pdma_distance_many() failed on any route',
    cite: 'v6.0 "dma-direct: support PCI P2PDMA pages in dma-direct map_sg", "iommu/dma: support PCI P2PDMA pages in dma-iommu map_sg" (Logan Gunthorpe); pre-v6.0 drivers/nvme/host/pci.c nvme_map_data(), block/blk-mq.c blk_mq_dispatch_rq_list()',
  },
  {
    name: 'mmap_takes_page_pgmap_ref',
    values: ['on', 'off'],
    default: 'on',
    doc: 'p2pmem_alloc_mmap() takes a pgmap ref per mapped page, so memunmap_pages() waits for page refs',
    cite: '7e9c7ef83d78 (percpu_ref_get per page); the gap of 27674ef6c73f that 0dc45ca1ce18 closed for device-private memory; Yy4Ot5MoOhsgYLTQ@ziepe.ca',
  },
  {
    name: 'insert_fail_puts_ref',
    values: ['on', 'off'],
    default: 'on',
    doc: 'a failed vm_insert_page() drops the temporary pgmap ref taken after gen_pool_alloc_owner()',
    cite: '6220694c52a5 "PCI/P2PDMA: Release per-CPU pgmap ref when vm_insert_page() fails"',
  },
  {
    name: 'insert_fail_resets_count',
    values: ['on', 'off'],
    default: 'on',
    doc: 'a failed vm_insert_page() resets the page count to 0 before freeing the page to the pool',
    cite: '83014d82a110 "PCI/P2PDMA: Reset page reference count when page mapping fails" (20260112005440.998543-1-apopple@nvidia.com); the stale count trips the warning cb500023a752 fixed',
  },
];

export const structPagePresets: readonly PresetSpec[] = [
  {
    name: 'mainline',
    doc: 'v6.2+ user-space P2PDMA: FOLL_PCI_P2PDMA gate, FOLL_LONGTERM refused, unbind zaps then waits',
    cite: '7e9c7ef83d78 "PCI/P2PDMA: Allow userspace VMA allocations through sysfs"',
    knobs: {},
  },
  {
    name: 'lsfmm-2020',
    doc: 'the 2020 starting point before the GUP opt-in it asked for: BAR pages for every GUP caller (ODP too: it faulted through get_user_pages_remote() until 36f30e486dce, v5.10), long-term pins allowed; no kernel then mapped P2PDMA pages to user space (v6.2 did), so an exporter that does is assumed',
    cite: 'https://lore.kernel.org/r/20200207182457.GM23346@mellanox.com',
    knobs: { gup_p2pdma_gate: 'off', longterm_p2pdma: 'allowed', dma_map_checks_route: 'nvme-only' },
  },
  {
    name: 'bug-insert-leak',
    doc: 'before 6220694c52a5: failed vm_insert_page leaks a pgmap ref (that bug alone: the later count reset 83014d82a110 is kept)',
    cite: '6220694c52a5 "PCI/P2PDMA: Release per-CPU pgmap ref when vm_insert_page() fails"',
    knobs: { insert_fail_puts_ref: 'off' },
  },
  {
    name: 'bug-zone-device-refcount',
    doc: 'hypothetical: p2pmem_alloc_mmap() without its per-page pgmap ref, the gap 27674ef6c73f opened for ZONE_DEVICE pages: unbind does not wait for page refs',
    cite: '27674ef6c73f "mm: remove the extra ZONE_DEVICE struct page refcount"; 0dc45ca1ce18',
    knobs: { mmap_takes_page_pgmap_ref: 'off' },
  },
];
