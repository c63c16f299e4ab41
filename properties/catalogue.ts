// The properties, like linux-kernel.cat: the rules, kept apart from the
// vocabulary they are stated in. Safety is judged on each step's events
// and the ghost view; liveness by what kernel and device steps alone can
// reach (the complete search's backward pass, a single run's drain);
// capabilities by a witness event.
import { type DesignId, lore } from '../model/design.js';
import type { Config, DriverState, Event, GhostView } from '../model/vocabulary.js';

export type PropertyKind = 'safety' | 'liveness' | 'capability';

export const propertyIds = [
  'dma-to-live-allocation',
  'dma-to-bound-exporter',
  'no-kernel-cpu-access',
  'route-supported',
  'accounting-consistent',
  'unbind-completes',
  'evict-completes',
  'no-leak',
  'odirect-to-bar',
  'rdma-mr-on-bar',
  'p2p-dma',
] as const;

export type PropertyId = (typeof propertyIds)[number];

/** What one step looks like to a safety or capability check. */
export interface StepView {
  readonly config: Config;
  readonly events: readonly Event[];
  /** An exporter's driver after the step: what a DMA check reads of the view. */
  driver(exporter: number): DriverState;
  /** The ghost view after the step (a search builds it only if a check reads it). */
  readonly view: GhostView;
  /** The design's audit of the state after the step. */
  readonly audit: readonly string[];
}

interface Base {
  readonly id: PropertyId;
  readonly statement: string;
  /** lore links and commits that raised it, whatever the design. */
  readonly links: readonly string[];
  /** Those that raised one design's form of it: traces of that design cite them too. */
  readonly designLinks?: Readonly<Partial<Record<DesignId, readonly string[]>>>;
}

export interface SafetyProperty extends Base {
  readonly kind: 'safety';
  /** What the check reads: a step's events (and the view), or only the state it leaves (the audit). */
  readonly reads: 'events' | 'state';
  /** A description of the violation in this step, or null. */
  readonly violation: (step: StepView) => string | null;
}

/** Which obligation the drain must discharge; see liveness.ts. */
export type LivenessGoal = 'unbind' | 'evict' | 'clean';

export interface LivenessProperty extends Base {
  readonly kind: 'liveness';
  readonly goal: LivenessGoal;
}

export interface CapabilityProperty extends Base {
  readonly kind: 'capability';
  /** Does this step show the capability, used as intended? */
  readonly witnessed: (step: StepView) => boolean;
}

export type Property = SafetyProperty | LivenessProperty | CapabilityProperty;

const commit = (sha: string, subject: string) => `commit ${sha} ("${subject}")`;

type BarDma = Extract<Event, { kind: 'dma' }> & { target: { mem: 'bar' } };
const barDmas = (events: readonly Event[]): BarDma[] =>
  events.filter((e): e is BarDma => e.kind === 'dma' && e.target.mem === 'bar');

const bound = (step: StepView, d: BarDma) => step.driver(d.target.exporter) !== 'unbound';

/** Reaches the allocation it was given, on a bound exporter, by a route that exists. */
const wellFormed = (step: StepView, d: BarDma) => bound(step, d) && !d.target.stale && d.route !== 'none';

/** Events a property reads: a device DMA, a kernel CPU access. A step with none of them is judged by its state alone. */
export const isJudged = (e: Event) => e.kind === 'dma' || (e.kind === 'cpu_access' && e.by === 'kernel');

const importerName = (config: Config, i: number) => config.importers[i]?.name ?? `importer${i}`;
const exporterName = (config: Config, e: number) => config.exporters[e]?.name ?? `exporter${e}`;

export const catalogue: readonly Property[] = [
  {
    id: 'dma-to-live-allocation',
    kind: 'safety',
    statement: 'A device DMA reaches only BAR memory still allocated to the allocation the importer mapped',
    links: [
      lore('20190129174728.6430-4-jglisse@redhat.com'),
    ],
    designLinks: {
      'struct-page': [commit('0dc45ca1ce18', 'mm/memremap.c: take a pgmap reference on page allocation')],
      'dma-buf': [
        commit('61ceaf236115', 'vfio: Prevent from pinned DMABUF importers to attach to VFIO DMABUF'),
        commit('d97708701434', 'vfio/pci: Clean up DMABUFs before disabling function'),
      ],
    },
    reads: 'events',
    violation: (step) => {
      const { config, events } = step;
      // a torn-down exporter is dma-to-bound-exporter's business
      const bad = barDmas(events).find((d) => bound(step, d) && d.target.stale);
      if (!bad) return null;
      const { exporter, page } = bad.target;
      const owner = step.view.exporters[exporter]?.pages[page]?.owner;
      const now = owner === null || owner === undefined ? 'free' : `a${owner}`;
      return `DMA by ${importerName(config, bad.importer)} to ${exporterName(config, exporter)} page ${page}, freed or revoked since it was mapped (now ${now})`;
    },
  },
  {
    id: 'dma-to-bound-exporter',
    kind: 'safety',
    statement: 'No DMA reaches an exporter whose teardown has finished',
    links: [lore('Yy4Ot5MoOhsgYLTQ@ziepe.ca'), commit('27674ef6c73f', 'mm: remove the extra ZONE_DEVICE struct page refcount')],
    reads: 'events',
    violation: (step) => {
      const { config, events } = step;
      const bad = barDmas(events).find((d) => !bound(step, d));
      if (!bad) return null;
      return `DMA by ${importerName(config, bad.importer)} to ${exporterName(config, bad.target.exporter)} page ${bad.target.page} after unbind finished`;
    },
  },
  {
    id: 'no-kernel-cpu-access',
    kind: 'safety',
    statement: 'No kernel CPU access to BAR memory through a path built for RAM (kmap + memcpy)',
    links: [lore('20190130180541.GA5061@redhat.com'), 'Documentation/driver-api/pci/p2pdma.rst'],
    reads: 'events',
    violation: ({ config, events }) => {
      const bad = events.find((e) => e.kind === 'cpu_access' && e.by === 'kernel');
      return bad && bad.kind === 'cpu_access' ? `kernel kmap+memcpy of ${exporterName(config, bad.exporter)} page ${bad.page}` : null;
    },
  },
  {
    id: 'route-supported',
    kind: 'safety',
    statement: 'Every P2P DMA uses a route the topology supports',
    links: [lore('20190129174728.6430-2-jglisse@redhat.com'), 'drivers/pci/p2pdma.c calc_map_type_and_dist()'],
    reads: 'events',
    violation: ({ config, events }) => {
      const bad = barDmas(events).find((d) => d.route === 'none');
      return bad ? `P2P DMA by ${importerName(config, bad.importer)} over PCI_P2PDMA_MAP_NOT_SUPPORTED` : null;
    },
  },
  {
    id: 'accounting-consistent',
    kind: 'safety',
    statement: "Every count matches its holders: pgmap and page refs, p2p_map/p2p_unmap pairs, a dma-buf's files, attachments, pins and kref",
    links: [
      commit('6220694c52a5', 'PCI/P2PDMA: Release per-CPU pgmap ref when vm_insert_page() fails'),
      commit('cb500023a752', 'PCI/P2PDMA: Fix p2pmem_alloc_mmap() warning condition'),
    ],
    designLinks: {
      'dma-buf': [commit('c64a647c84f3', 'vfio/pci: fix dma-buf kref underflow after revoke')],
    },
    reads: 'state',
    violation: ({ audit }) => audit[0] ?? null,
  },
  {
    id: 'unbind-completes',
    kind: 'liveness',
    statement: 'Once unbind starts it finishes by kernel and device steps alone, without waiting on user space',
    links: [
      lore('Yy4Ot5MoOhsgYLTQ@ziepe.ca'),
    ],
    designLinks: {
      'struct-page': [commit('4003f107fa2e', 'mm: introduce FOLL_PCI_P2PDMA to gate getting PCI P2PDMA pages')],
      'dma-buf': [
        commit('1a8a5227f229', 'vfio: Wait for dma-buf invalidation to complete'),
        commit('c64a647c84f3', 'vfio/pci: fix dma-buf kref underflow after revoke'),
      ],
    },
    goal: 'unbind',
  },
  {
    id: 'evict-completes',
    kind: 'liveness',
    statement: 'The exporter takes BAR memory back (eviction) without user-space cooperation',
    links: [lore('20190129204359.GM3176@redhat.com')],
    goal: 'evict',
  },
  {
    id: 'no-leak',
    kind: 'liveness',
    statement: 'Once every process has exited and all I/O completed, all BAR memory and references are back',
    links: [commit('6220694c52a5', 'PCI/P2PDMA: Release per-CPU pgmap ref when vm_insert_page() fails')],
    goal: 'clean',
  },
  {
    id: 'odirect-to-bar',
    kind: 'capability',
    statement: 'O_DIRECT between a block device and the BAR mapping',
    links: [lore('20190130172653.GA6707@lst.de')],
    witnessed: (step) => barDmas(step.events).some((d) => d.path === 'odirect' && wellFormed(step, d)),
  },
  {
    id: 'rdma-mr-on-bar',
    kind: 'capability',
    statement: 'An RDMA MR on the BAR mapping, used by the NIC',
    links: [lore('20190130080006.GB29665@lst.de')],
    witnessed: (step) => barDmas(step.events).some((d) => d.path === 'mr' && wellFormed(step, d)),
  },
  {
    id: 'p2p-dma',
    kind: 'capability',
    statement: 'Any peer-to-peer DMA at all',
    links: [lore('20190129195302.GI3176@redhat.com')],
    witnessed: (step) => barDmas(step.events).some((d) => wellFormed(step, d)),
  },
];

export function findProperty(id: string): Property | undefined {
  return catalogue.find((p) => p.id === id);
}

/** What a trace of `design` cites for property `id`: its links, then its design's own. */
export function linksFor(id: string, design: DesignId): string[] {
  const p = findProperty(id);
  return p ? [...p.links, ...(p.designLinks?.[design] ?? [])] : [];
}

/** Every link of `p`, each design's included, as `list` shows them. */
export const allLinks = (p: Property): string[] => [...p.links, ...Object.values(p.designLinks ?? {}).flatMap((l) => l ?? [])];
