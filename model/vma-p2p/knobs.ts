// vma-p2p design decisions, one knob each, and its presets as knob sets.
import { type KnobSpec, lore, type PresetSpec } from '../design.js';

const rfc = (n: number) => `https://lore.kernel.org/r/20190129174728.6430-${n}-jglisse@redhat.com`;

export const vmaP2pKnobs: readonly KnobSpec[] = [
  {
    name: 'importer',
    values: ['obeys', 'ignores'],
    default: 'obeys',
    doc: 'the importer fences its device and calls p2p_unmap() on every mmu_notifier invalidation, or ignores them (legacy)',
    cite: `${rfc(4)} ("IMPORTER MUST OBEY mmu_notifier NOTIFICATION")`,
  },
  {
    name: 'exporter_waits',
    values: ['revoke', 'always', 'never'],
    default: 'revoke',
    doc: 'the exporter holds BAR memory until p2p_unmap() on eviction/unbind (revoke), also on the last close (always), or never',
    cite: `${lore('20190129204359.GM3176@redhat.com')} (exporter serialises p2p_map against invalidation); Jason Gunthorpe on hot-unplug, quoted in ${lore('20190130000805.GS3176@redhat.com')}: hold remove() until every p2p_unmap`,
  },
  {
    name: 'revoke_fence',
    values: ['in-notifier', 'deferred'],
    default: 'in-notifier',
    doc: 'on eviction/unbind the importer fences and p2p_unmaps inside the notifier callback, as mmu_notifier requires (in-notifier), or in a later step, the BAR page kept until it does (deferred)',
    cite: `${lore('20190129204359.GM3176@redhat.com')} ("the importer device _must_ abide by all mmu notifier invalidations"); deferred: ${lore('20190129202429.GL10108@mellanox.com')} ("the importing driver can assume the BAR page is kept alive until it calls unmap")`,
  },
  {
    name: 'pci_test_p2p',
    values: ['distance', 'as-posted'],
    default: 'distance',
    doc: 'pci_test_p2p() answers from the P2P distance, a common upstream bridge or (since v5.2, after the RFC) a whitelisted root complex (distance), or always false (as posted)',
    cite: `${rfc(2)}; ${lore('20190129195302.GI3176@redhat.com')}; 0f97da831026 "PCI/P2PDMA: Allow P2P DMA between any devices under AMD ZEN Root Complex" (v5.2)`,
  },
  {
    name: 'dma_unmap_without_vma',
    values: ['unmaps', 'bug'],
    default: 'unmaps',
    doc: 'hmm_range_dma_unmap() on a range whose VMA is gone unmaps by device address (fixed) or BUG()s (as posted)',
    cite: `${rfc(6)} (hmm_vma_p2p_unmap: "if (!vma) BUG()")`,
  },
  {
    name: 'dma_map_error_unwind',
    values: ['unmaps', 'leaks'],
    default: 'unmaps',
    doc: 'a failed hmm_range_dma_map() p2p_unmaps the pages it already mapped (fixed) or skips them (as posted: mapped--; continue); the model fails the nth p2p_map by fault injection, where the posted code reaches the unwind only through a later dma_map_page() failure in a range that spans a RAM VMA too',
    cite: `${rfc(6)} (hmm_range_dma_map error unwind; inferred from the posted code)`,
  },
  {
    name: 'odp_map',
    values: ['registration', 'first-fault'],
    default: 'registration',
    doc: "an ODP MR maps what the CPU has mapped at registration (mlx5_ib_init_odp_mr(), MLX5_PF_FLAGS_SNAPSHOT: p2p_map() of the present pages) or only on the NIC's first fault",
    cite: 'a03bfc37d59d "RDMA/mlx5: Sync device with CPU pages upon ODP MR registration" (v5.10)',
  },
];

export const vmaP2pPresets: readonly PresetSpec[] = [
  {
    name: 'rfc-2019',
    doc: 'the RFC with importers obeying mmu notifiers and exporters waiting for p2p_unmap',
    cite: rfc(1),
    knobs: {},
  },
  {
    name: 'legacy-importer',
    doc: 'an importer that ignores invalidation',
    cite: `${rfc(4)} (an importer that does not obey)`,
    knobs: { importer: 'ignores' },
  },
  {
    name: 'exporter-no-wait',
    doc: "an exporter that reuses BAR memory once its zap returns (Glisse's rule) and an importer that p2p_unmaps later (Gunthorpe's reading): the two halves of the thread together",
    cite: `${lore('20190129204359.GM3176@redhat.com')}; ${lore('20190129202429.GL10108@mellanox.com')}`,
    knobs: { exporter_waits: 'never', revoke_fence: 'deferred' },
  },
  {
    name: 'as-posted',
    doc: 'pci_test_p2p() always false, as posted',
    cite: `${rfc(2)}; ${lore('20190129195302.GI3176@redhat.com')}`,
    knobs: { pci_test_p2p: 'as-posted', dma_unmap_without_vma: 'bug', dma_map_error_unwind: 'leaks' },
  },
];
