// dma-buf design decisions, one knob each, and its presets: the road
// mainline took for GPU VRAM (v5.7..) and for any BAR through VFIO
// (v6.19..v7.1). Where the facts do not settle a reading, the knob says
// so and each preset takes one.
import { type KnobSpec, lore, type PresetSpec } from '../design.js';


export const dmaBufKnobs: readonly KnobSpec[] = [
  {
    name: 'exporter',
    values: ['mmio', 'vram'],
    default: 'mmio',
    doc: 'what exports the BAR: a VFIO device (vfio_pci_dmabuf.c, MMIO that can only be revoked) or a GPU driver whose TTM buffer objects move between VRAM and system RAM (amdgpu, xe)',
    cite: '5d74781ebc86 "vfio/pci: Add dma-buf export support for MMIO regions" (v6.19); amdgpu_dma_buf.c, amdgpu_bo_move_notify()',
  },
  {
    name: 'pin',
    values: ['accepted', 'refused'],
    default: 'accepted',
    doc: "dma_buf_pin() on a VFIO dma-buf: a no-op (no .pin op: v6.19-rc, v7.1) or -EOPNOTSUPP (v6.19's .pin); a GPU exporter always pins",
    cite: `61ceaf236115 "vfio: Prevent from pinned DMABUF importers to attach to VFIO DMABUF" (${lore('20260121-vfio-add-pin-v1-1-4e04916b17f1@nvidia.com')}); 6ffe939bf94f (v7.1) removes .pin again`,
  },
  {
    name: 'attach',
    values: ['any', 'revocable-only'],
    default: 'revocable-only',
    doc: 'vfio_pci_dma_buf_attach() accepts any peer2peer importer, or (v7.1) refuses with -EOPNOTSUPP one without invalidate_mappings (dma_buf_attach_revocable())',
    cite: `6ffe939bf94f "vfio: Permit VFIO to work with pinned importers"; be6d4c9e9d71 adds the helper (${lore('20260131-dmabuf-revoke-v7-0-463d956bd527@nvidia.com')})`,
  },
  {
    name: 'revoke_waits',
    values: ['unmap', 'no'],
    default: 'unmap',
    doc: 'a revoke or move waits until every importer has unmapped (VFIO v7.1: kref + wait_for_completion, unbounded) or goes on at once (v6.19); a GPU move waits for deferred fences either way (no preset sets unmap for a GPU)',
    cite: `1a8a5227f229 "vfio: Wait for dma-buf invalidation to complete" (${lore('20260131-dmabuf-revoke-v7-4-463d956bd527@nvidia.com')})`,
  },
  {
    name: 'pinned_mr',
    values: ['irrevocable', 'revocable'],
    default: 'irrevocable',
    doc: 'a non-ODP ibv_reg_dmabuf_mr (ib_umem_dmabuf_get_pinned) only warns on invalidation and keeps its mapping, or revokes it (v7.1 pinned-revocable umem, irdma)',
    cite: `1e4df4a21c5a "RDMA/umem: Allow pinned dmabuf umem usage" (ibdev_warn_ratelimited); ${lore('20260305170826.3803155-1-jmoroni@google.com')} (merged for v7.1)`,
  },
  {
    name: 'importer',
    values: ['obeys', 'ignores'],
    default: 'obeys',
    doc: "a dynamic importer stops using its mapping on move_notify/invalidate_mappings, or ignores it (a broken importer)",
    cite: `bb42df4662a4 "dma-buf: add dynamic DMA-buf handling v15"; dma_buf_invalidate_mappings() kdoc (${lore('20260131-dmabuf-revoke-v7-6-463d956bd527@nvidia.com')})`,
  },
  {
    name: 'fence',
    values: ['in-callback', 'deferred'],
    default: 'in-callback',
    doc: "the importer zaps and unmaps inside its callback (mlx5_ib_dmabuf_invalidate_cb) or later (it may still read until then: König's window)",
    cite: `${lore('b129f0c1-b61e-4efb-9e25-d8cdadaca1b3@amd.com')}; drivers/infiniband/hw/mlx5/mr.c`,
  },
  {
    name: 'no_route',
    values: ['refuse', 'system-ram'],
    default: 'refuse',
    doc: 'with PCI_P2PDMA_MAP_NOT_SUPPORTED the map fails -EINVAL (VFIO, dma_buf_phys_vec_to_sgt) or attach clears peer2peer and the buffer object goes to system RAM (amdgpu_dma_buf_attach)',
    cite: '3aa31a8bb11e "dma-buf: provide phys_vec to scatter-gather mapping routine"; amdgpu_dma_buf_attach() pci_p2pdma_distance_many() < 0',
  },
  {
    name: 'importers',
    values: ['dynamic', 'static'],
    default: 'dynamic',
    doc: 'importers attach with importer_ops and move_notify (v5.7+), or every attachment is static: attach+map pins the buffer (before dynamic dma-buf)',
    cite: 'bb42df4662a4 (v5.7), 09606b5446c2 "dma-buf: add peer2peer flag" (v5.8)',
  },
  {
    name: 'pin_domain',
    values: ['vram', 'gtt'],
    default: 'vram',
    doc: 'a GPU exporter pins a buffer object into VRAM when every attachment can do P2P (f5e7fabd1f5c, v6.15), or always into GTT (system RAM, before)',
    cite: 'f5e7fabd1f5c "drm/amdgpu: allow pinning DMA-bufs into VRAM if all importers can do P2P"',
  },
  {
    name: 'unplug',
    values: ['no-wait', 'waits-for-vram-pins'],
    default: 'no-wait',
    doc: "a GPU exporter's remove() finishes without waiting for its importers' pins (mainline: drm_dev_unplug(), then teardown), or waits until no buffer object is pinned in VRAM (proposed in 2020, not merged)",
    cite: 'amdgpu_pci_remove(); https://lore.kernel.org/r/1589050310-19666-5-git-send-email-andrey.grodzovsky@amd.com ("drm/amdgpu: Wait for all clients importing out dma-bufs", not merged)',
  },
  {
    name: 'odp_map',
    values: ['registration', 'first-fault'],
    default: 'registration',
    doc: 'an ODP MR maps at registration (mlx5: pagefault_dmabuf_mr() for a dma-buf MR; mlx5_ib_init_odp_mr() SNAPSHOT for a VMA) or only on the NIC\'s first fault',
    cite: 'a03bfc37d59d "RDMA/mlx5: Sync device with CPU pages upon ODP MR registration"; mlx5_ib_init_dmabuf_mr()',
  },
  {
    name: 'cleanup',
    values: ['via-move', 'own-drain'],
    default: 'via-move',
    doc: "vfio_pci_dma_buf_cleanup() (remove, close of the device) drains through vfio_pci_dma_buf_move(true), which skips a buffer already revoked (the v7.1-rc fix), or runs its own drain on every buffer (v6.19; 1a8a5227f229): with revoke_waits=unmap that puts again a kref a revoke drained (memory off, reset), refcount_t underflows and close() hangs",
    cite: `c64a647c84f3 "vfio/pci: fix dma-buf kref underflow after revoke" (${lore('20260507143548.1018405-1-alex.williamson@nvidia.com')}); report ${lore('GVXPR02MB12019AA6014F27EF5D773E89BFB372@GVXPR02MB12019.eurprd02.prod.outlook.com')}`,
  },
  {
    name: 'close_order',
    values: ['cleanup-first', 'disable-first'],
    default: 'cleanup-first',
    doc: "vfio_pci_core_close_device() (remove, close of the device) revokes the dma-bufs with vfio_pci_dma_buf_cleanup() and then disables the function (d97708701434, v7.1, v7.0.10), or disables it first (v6.19..v7.0.9): vfio_pci_core_disable() clears PCI_COMMAND_MEMORY and releases the BAR regions while every dma-buf is still mapped, until the cleanup's step (unbind_finish)",
    cite: `d97708701434 "vfio/pci: Clean up DMABUFs before disabling function" (${lore('20260415181752.1027604-1-mattev@meta.com')}), CVE-2026-53322; Fixes: 5d74781ebc86`,
  },
];

export const dmaBufPresets: readonly PresetSpec[] = [
  {
    name: 'revoke-v7.1',
    doc: 'v7.1: move_notify always on, revoke waits for every unmap, importers that cannot revoke refused at attach, remove() drains through the revoke (c64a647c84f3)',
    cite: `1a8a5227f229, be6d4c9e9d71, 6ffe939bf94f (${lore('20260131-dmabuf-revoke-v7-0-463d956bd527@nvidia.com')}); c64a647c84f3`,
    knobs: {},
  },
  {
    name: 'vfio-v6.19',
    doc: 'VFIO dma-buf export with pinned importers refused at pin (61ceaf236115); close disables the function before the dma-buf cleanup (before d97708701434)',
    cite: lore('20260121-vfio-add-pin-v1-1-4e04916b17f1@nvidia.com'),
    knobs: { pin: 'refused', attach: 'any', revoke_waits: 'no', cleanup: 'own-drain', close_order: 'disable-first' },
  },
  {
    name: 'vfio-v6.19-rc',
    doc: 'v6.19-rc1..rc7: a pinned importer attaches; revoke only warns it; close disables the function before the dma-buf cleanup',
    cite: '5d74781ebc86 (v6.19-rc1), before 61ceaf236115 (merged for rc8)',
    knobs: { attach: 'any', revoke_waits: 'no', cleanup: 'own-drain', close_order: 'disable-first' },
  },
  {
    name: 'dynamic-move-notify',
    doc: 'v5.7/v5.8 dynamic importers and move_notify on a movable GPU exporter; mappings stay valid until the importer fences (the move waits on the dma_resv)',
    cite: 'bb42df4662a4 (v5.7), 09606b5446c2 (v5.8); move_notify kdoc: "Mappings stay valid and are not directly affected by this callback"; pin into VRAM per f5e7fabd1f5c (v6.15)',
    knobs: { exporter: 'vram', attach: 'any', revoke_waits: 'no', no_route: 'system-ram', fence: 'deferred' },
  },
  {
    name: 'static-pinned',
    doc: 'before dynamic dma-buf: attach+map pins, the GPU pins into system RAM (counterfactual for RDMA: ib_umem_dmabuf always attached dynamically)',
    cite: 'dma-buf before bb42df4662a4 (<= v5.6); amdgpu_dma_buf_pin() into GTT',
    knobs: { exporter: 'vram', attach: 'any', revoke_waits: 'no', no_route: 'system-ram', importers: 'static', pin_domain: 'gtt' },
  },
  {
    name: 'revoke-v7.1-rc',
    doc: 'v7.1-rc before c64a647c84f3: closing the VFIO device after a revoke (memory off) puts the drained dma-buf kref again and hangs',
    cite: `1a8a5227f229 as merged; ${lore('GVXPR02MB12019AA6014F27EF5D773E89BFB372@GVXPR02MB12019.eurprd02.prod.outlook.com')}`,
    knobs: { cleanup: 'own-drain' },
  },
];
