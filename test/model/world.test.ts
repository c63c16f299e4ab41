// model/world.ts: the action table of a world. Every action kind of the
// vocabulary is in the default world's table; each group enabled() picks
// from indexes exactly the actions its name says; the groups together
// are the whole table, each action once; the slot counts follow the limits.
import { describe, expect, it } from 'vitest';
import { type Action, type Config, actionKinds, defaultConfig } from '../../model/vocabulary.js';
import { World, worldOf } from '../../model/world.js';
import { withExporters } from './run.js';

type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;

/** The actions at `group`'s indices, checked to be of `kind`. */
function at<K extends Action['kind']>(w: World, group: readonly number[], kind: K): Of<K>[] {
  return group.map((i) => {
    const a = w.actions[i]!;
    if (a.kind !== kind) throw new Error(`action ${i} is ${a.kind}, not ${kind}`);
    return a as Of<K>;
  });
}

/** Every group of the world, flattened to indices. */
const groups = (w: World): number[] => [
  ...w.mmaps.flat(),
  ...w.mmapStarts.flat(),
  ...w.mmapLinks.flat(),
  ...w.forks,
  ...w.exits,
  ...w.onVma.flat(2),
  ...w.ioOnVma.flat(2),
  ...w.regsOnVma.flat(2),
  ...w.deregs.flat(),
  ...w.mrDmas.flat(2),
  ...w.acks.flat(),
  ...w.onBio.flat(2),
  ...w.evicts.flat(),
  ...w.evictFinishes.flat(),
  ...w.unbinds,
  ...w.unbindFinishes,
  ...w.injects,
  ...w.vfioExports.flat(),
  ...w.closes.flat(),
  ...w.regsOnFd.flat(2),
  ...w.memoryOps.flat(),
  ...w.restores.flat(),
];

/** Two exporters (2 and 3 pages), three processes, two VMAs and two MRs each, two bios, three allocations. */
const wide: Config = {
  ...withExporters([2, 3]),
  processes: 3,
  limits: { vmas: 2, mrs: 2, fds: 1, bios: 2, allocations: 3, faults: 1 },
};

describe.each([
  ['the default world', defaultConfig],
  ['a wider world', wide],
])('%s', (_name, config) => {
  const w = new World(config);
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('has every action kind of the vocabulary, and kindOf names each', () => {
    expect(new Set(w.actions.map((a) => a.kind))).toEqual(new Set(actionKinds));
    expect(Array.from(w.kindOf, (k) => actionKinds[k])).toEqual(w.actions.map((a) => a.kind));
  });

  it('slots follow the limits: MRs per process times processes; the longest mapping is the largest BAR', () => {
    const { limits } = config;
    expect([w.procs, w.vmas, w.mrs, w.bios, w.allocs]).toEqual([config.processes, limits.vmas, limits.mrs * config.processes, limits.bios, limits.allocations]);
    expect(w.mapPages).toBe(Math.max(...config.exporters.map((e) => e.pages)));
  });

  it('the groups are the whole table, each action once', () => {
    expect(groups(w).sort((a, b) => a - b)).toEqual(range(w.actions.length));
  });

  it('per process: its mmaps of every exporter (each length, MAP_PRIVATE, an offset), the same stopped before linking, a link per VMA slot, its fork and its exit', () => {
    for (const p of range(w.procs)) {
      const mmaps = at(w, w.mmaps[p]!, 'proc_mmap');
      expect(mmaps.every((a) => a.proc === p)).toBe(true);
      expect(mmaps.map((a) => `e${a.exporter} ${a.pages} ${a.shared} ${a.offset}`)).toEqual(
        config.exporters.flatMap((ex, e) => [...range(ex.pages).map((i) => `e${e} ${i + 1} true 0`), `e${e} 1 false 0`, `e${e} 1 true 1`]),
      );
      const starts = at(w, w.mmapStarts[p]!, 'proc_mmap_start');
      expect(starts.map(({ kind: _, ...rest }) => rest)).toEqual(mmaps.map(({ kind: _, ...rest }) => rest));
      expect(at(w, w.mmapLinks[p]!, 'proc_mmap_link').map((a) => [a.proc, a.vma])).toEqual(range(w.vmas).map((v) => [p, v]));
      expect(at(w, [w.forks[p]!], 'proc_fork')[0]!.proc).toBe(p);
      expect(at(w, [w.exits[p]!], 'proc_exit')[0]!.proc).toBe(p);
    }
  });

  it('per process and VMA slot: munmap and prime_export, then per page touch and process_vm_readv; O_DIRECT to each NVMe; MRs on each NIC', () => {
    const nvmes = range(config.importers.length).filter((i) => config.importers[i]!.kind === 'nvme');
    for (const p of range(w.procs))
      for (const v of range(w.vmas)) {
        const on = (group: readonly number[]) => group.map((i) => w.actions[i]!);
        const all = [...on(w.onVma[p]![v]!), ...on(w.ioOnVma[p]![v]!), ...on(w.regsOnVma[p]![v]!)];
        expect(all.every((a) => 'proc' in a && a.proc === p && 'vma' in a && a.vma === v)).toBe(true);
        const group = on(w.onVma[p]![v]!);
        expect(group.slice(0, 2).map((a) => a.kind)).toEqual(['proc_munmap', 'proc_prime_export']);
        expect(group.slice(2).map((a) => ('page' in a ? `${a.kind} ${a.page}` : a.kind))).toEqual(
          range(w.mapPages).flatMap((page) => [`proc_touch ${page}`, `proc_kernel_copy ${page}`]),
        );
        const io = at(w, w.ioOnVma[p]![v]!, 'proc_odirect');
        expect(io.map((a) => `${a.page} ${a.importer} ${a.read}`)).toEqual(
          range(w.mapPages).flatMap((page) => nvmes.flatMap((n) => [`${page} ${n} true`, `${page} ${n} false`])),
        );
        const mrs = at(w, w.regsOnVma[p]![v]!, 'proc_reg_mr');
        expect(mrs.map((a) => `${config.importers[a.importer]!.name}${a.odp ? ' odp' : ''}`)).toEqual(
          config.importers.flatMap((imp) => (imp.kind === 'rdma' ? [imp.name, ...(imp.odp ? [`${imp.name} odp`] : [])] : [])),
        );
      }
  });

  it('per process and file slot: close, and each NIC\'s ibv_reg_dmabuf_mr (pinned, ODP) and bind_rx; per process every VFIO export', () => {
    for (const p of range(w.procs)) {
      for (const f of range(config.limits.fds)) {
        expect(at(w, [w.closes[p]![f]!], 'proc_close')).toEqual([{ kind: 'proc_close', proc: p, fd: f }]);
        const regs = w.regsOnFd[p]![f]!.map((i) => w.actions[i]!);
        expect(regs.map((a) => ('importer' in a ? `${a.kind} ${config.importers[a.importer]!.name}${'odp' in a && a.odp ? ' odp' : ''}` : a.kind))).toEqual(
          config.importers.flatMap((imp) =>
            imp.kind === 'rdma'
              ? [`proc_reg_dmabuf_mr ${imp.name}`, ...(imp.odp ? [`proc_reg_dmabuf_mr ${imp.name} odp`] : []), `proc_bind_rx ${imp.name}`]
              : [],
          ),
        );
      }
      const exports = at(w, w.vfioExports[p]!, 'proc_vfio_dma_buf');
      expect(exports.map((a) => `e${a.exporter} ${a.page}+${a.pages}`)).toEqual(
        config.exporters.flatMap((ex, e) => range(ex.pages).flatMap((page) => range(ex.pages - page).map((n) => `e${e} ${page}+${n + 1}`))),
      );
    }
  });

  it('per MR slot: ibv_dereg_mr by each process, the DMA of each importer to each page, its fence', () => {
    for (const m of range(w.mrs)) {
      expect(at(w, w.deregs[m]!, 'proc_dereg_mr').map((a) => [a.mr, a.proc])).toEqual(range(w.procs).map((p) => [m, p]));
      for (const i of range(config.importers.length)) {
        expect(at(w, w.mrDmas[m]![i]!, 'dev_mr_dma').map((a) => [a.mr, a.importer, a.page])).toEqual(range(w.mapPages).map((page) => [m, i, page]));
        expect(at(w, [w.acks[m]![i]!], 'importer_ack_invalidate')[0]).toEqual({ kind: 'importer_ack_invalidate', importer: i, mr: m });
      }
    }
  });

  it('per bio slot and importer: its DMA then its completion', () => {
    for (const io of range(w.bios))
      for (const importer of range(config.importers.length))
        expect(w.onBio[io]![importer]!.map((i) => w.actions[i])).toEqual([
          { kind: 'dev_io_dma', importer, io },
          { kind: 'dev_io_complete', importer, io },
        ]);
  });

  it('per allocation slot and exporter: evict and evict_finish; per exporter: unbind and its finish; every injection', () => {
    for (const alloc of range(w.allocs))
      for (const exporter of range(config.exporters.length)) {
        expect(w.actions[w.evicts[alloc]![exporter]!]).toEqual({ kind: 'exporter_evict', exporter, alloc });
        expect(w.actions[w.evictFinishes[alloc]![exporter]!]).toEqual({ kind: 'exporter_evict_finish', exporter, alloc });
      }
    expect(at(w, w.unbinds, 'exporter_unbind').map((a) => a.exporter)).toEqual(range(config.exporters.length));
    expect(at(w, w.unbindFinishes, 'exporter_unbind_finish').map((a) => a.exporter)).toEqual(range(config.exporters.length));
    expect(at(w, w.injects, 'inject_insert_fail').map((a) => a.nth)).toEqual(range(w.mapPages));
  });

  it('per exporter: memory_off, memory_on and reset; per allocation slot and exporter: restore', () => {
    for (const exporter of range(config.exporters.length))
      expect(w.memoryOps[exporter]!.map((i) => w.actions[i])).toEqual([
        { kind: 'exporter_memory', exporter, on: false },
        { kind: 'exporter_memory', exporter, on: true },
        { kind: 'exporter_reset', exporter },
      ]);
    for (const alloc of range(w.allocs))
      for (const exporter of range(config.exporters.length))
        expect(w.actions[w.restores[alloc]![exporter]!]).toEqual({ kind: 'exporter_restore', exporter, alloc });
  });
});

describe('worldOf', () => {
  it('builds one World per Config object', () => {
    expect(worldOf(defaultConfig)).toBe(worldOf(defaultConfig));
    const copy = { ...defaultConfig };
    expect(worldOf(copy)).not.toBe(worldOf(defaultConfig));
    expect(worldOf(copy).actions).toEqual(worldOf(defaultConfig).actions);
  });

  it('a world without bios or MRs has no actions on them', () => {
    const w = worldOf({ ...defaultConfig, limits: { ...defaultConfig.limits, mrs: 0, bios: 0 } });
    expect(w.actions.filter((a) => ['dev_io_dma', 'dev_io_complete', 'proc_dereg_mr', 'dev_mr_dma', 'importer_ack_invalidate'].includes(a.kind))).toEqual([]);
    expect(w.actions.some((a) => a.kind === 'proc_reg_mr')).toBe(true);
  });
});
