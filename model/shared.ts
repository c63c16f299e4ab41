// Kernel facts every design reads the same way: the route table, and
// the ghost view built from the slots they share.
import { NONE } from './packed.js';
import { DRIVER_UNBINDING, driverStates, type State } from './state.js';
import type { Config, GhostView, Route } from './vocabulary.js';

/** pci_p2pdma_map_type() of the pair, as the config classifies it. */
/** Exporter `e`'s name in the world, as traces and decode() show it. */
export const exporterName = (s: State, e: number) => s.world.config.exporters[e]!.name;

export const routeOf = (config: Config, importer: number, exporter: number): Route =>
  config.routes[importer]?.[exporter] ?? 'none';

/**
 * The ghost view (docs/explanation.md §2): each exporter's driver, the
 * owner of each BAR page and the allocations being evicted. Obligations
 * are `pending` (in-flight I/O, owed fences) plus mmaps not yet linked,
 * evictions and unbinds under way.
 */
export function ghostView(s: State, pending: number): GhostView {
  const { config } = s.world;
  let obligations = pending;
  // a task is inside at most one mmap()
  for (let p = 0; p < s.world.procs; p++) if (s.linking(p) !== NONE) obligations++;
  const exporters = config.exporters.map((ex, e) => {
    const driver = driverStates[s.exporter(e).driver]!;
    if (s.exporter(e).driver === DRIVER_UNBINDING) obligations++;
    const pages = Array.from({ length: ex.pages }, (_, p) => {
      const owner = s.page(e, p).owner;
      return { owner: owner === NONE ? null : owner };
    });
    return { driver, pages, evicting: [] as number[] };
  });
  for (let a = 0; a < s.world.allocs; a++) {
    const alloc = s.alloc(a);
    if (!alloc.evicting) continue;
    exporters[alloc.exporter]!.evicting.push(a);
    obligations++;
  }
  return { exporters, obligations };
}
