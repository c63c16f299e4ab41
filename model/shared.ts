// Kernel facts both designs model the same way: refusals, task slots,
// find_vma, the route table and a first-fit BAR allocator.
import type { Config, DriverState, Errno, GhostPage, GhostView, Route, Signal, Step } from './vocabulary.js';

/** A refused call: the errno or signal, the state as it was, no events. */
export const refuse = <S>(state: S, ret: Errno | Signal): Step<S> => ({ state, ret, events: [] });

export interface TaskSlot {
  readonly alive: boolean;
  readonly born: boolean;
}

export const procAlive = (procs: readonly TaskSlot[], proc: number) => procs[proc]?.alive === true;

/** The slot fork() fills (copy_process()), or null when none is left. */
export function freeSlot(procs: readonly TaskSlot[]): number | null {
  const i = procs.findIndex((p) => !p.born);
  return i < 0 ? null : i;
}

/** find_vma() in the caller's mm: a VMA of `proc` still mapped. */
export function liveVma<V extends { readonly proc: number; readonly mapped: boolean }>(
  vmas: readonly V[],
  proc: number,
  vma: number,
): V | undefined {
  const v = vmas[vma];
  return v && v.proc === proc && v.mapped ? v : undefined;
}

/** pci_p2pdma_map_type() of the pair, as the config classifies it. */
export const routeOf = (config: Config, importer: number, exporter: number): Route =>
  config.routes[importer]?.[exporter] ?? 'none';

/**
 * The ghost view both designs give: each exporter's driver, pages and
 * evicting allocations; obligations are `pending` (in-flight I/O or
 * owed acks) plus evictions and unbinds under way.
 */
export function ghostView(
  exporters: readonly { readonly driver: DriverState; readonly pages: readonly GhostPage[] }[],
  allocs: readonly { readonly exporter: number; readonly evicting: boolean }[],
  pending: number,
): GhostView {
  let obligations = pending;
  const evicting: number[][] = exporters.map(() => []);
  for (let id = 0; id < allocs.length; id++) {
    if (!allocs[id]!.evicting) continue;
    evicting[allocs[id]!.exporter]!.push(id);
    obligations++;
  }
  for (const ex of exporters) if (ex.driver === 'unbinding') obligations++;
  // the pages themselves (they carry owner and gen): a view is read-only
  return { exporters: exporters.map((ex, e) => ({ driver: ex.driver, pages: ex.pages, evicting: evicting[e]! })), obligations };
}

/** gen_pool_alloc_owner() / a VRAM allocator: first fit of `n` contiguous free pages. */
export function firstFit(pages: readonly { readonly owner: number | null }[], n: number): number[] | null {
  for (let start = 0; start + n <= pages.length; start++) {
    const run = Array.from({ length: n }, (_, i) => start + i);
    if (run.every((p) => pages[p]!.owner === null)) return run;
  }
  return null;
}

const alikeClassesOf = new WeakMap<Config, readonly (readonly number[])[]>();

/** The classes of two or more alike importers of a config; computed once per config. */
function alikeClasses(config: Config): readonly (readonly number[])[] {
  const cached = alikeClassesOf.get(config);
  if (cached) return cached;
  const members = new Map<string, number[]>();
  config.importers.forEach((imp, i) => {
    // every field but the name, in a fixed order, and the routes
    const cls = JSON.stringify([Object.entries(imp).filter(([k]) => k !== 'name').sort(), config.routes[i]]);
    members.set(cls, [...(members.get(cls) ?? []), i]);
  });
  const classes = [...members.values()].filter((m) => m.length > 1);
  alikeClassesOf.set(config, classes);
  return classes;
}

/**
 * Symmetry over devices: importers alike in kind, capabilities and routes
 * are interchangeable. Within each such class, members are renamed in the
 * order of `signature` (what each holds, written without importer ids).
 */
export function importerRenaming(config: Config, signature: (importer: number) => string): number[] {
  const rename = config.importers.map((_, i) => i);
  for (const members of alikeClasses(config)) {
    const ordered = members.map((i) => ({ i, sig: signature(i) })).sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : a.i - b.i));
    ordered.forEach(({ i }, k) => {
      rename[i] = members[k]!;
    });
  }
  return rename;
}
