// Canonical state keys for the exhaustive search. A p2p_map's generation
// matters only as "its page was freed since" (stale). With symmetry, dead
// objects, VMAs, MRs and undone p2p_maps go, processes are sorted by what
// they hold, and objects are renamed in the order a traversal meets them:
// a relabelling, so equal keys mean isomorphic states.
import type { VpMapping, VpP2pMap, VpState } from './state.js';

const mapKey = (s: VpState, m: VpP2pMap, alloc: (id: number) => number) => {
  const stale = s.exporters[m.exporter]!.pages[m.page]!.gen !== m.gen ? '~' : '';
  return `${m.importer}>${m.exporter}.${m.page}:a${alloc(m.alloc)}${stale}${m.outstanding ? '' : 'u'}`;
};

export function vmaP2pKey(s: VpState, symmetry: boolean): string {
  if (!symmetry) {
    const maps = s.p2pMaps.map((m) => mapKey(s, m, (id) => id));
    const pages = s.exporters.map((e) => [e.driver, e.pages.map((p) => p.owner)]);
    return JSON.stringify([pages, s.procs, s.vmas, s.objects, s.mrs, maps, s.injectInsertFail]);
  }
  const objContent = (id: number) => {
    const o = s.objects[id]!;
    return `${o.exporter}:${o.npages}:${o.placement}:${o.pages.join(',')}:${o.vmas}:${o.evicting ? 'E' : ''}`;
  };
  const mapping = (m: VpMapping | null, alloc: (id: number) => number | string) =>
    m === null ? '-' : m.mem === 'ram' ? 'ram' : mapKey(s, s.p2pMaps[m.p2p]!, alloc as (id: number) => number);
  const vmaSig = (id: number, alloc: (id: number) => number | string) => {
    const v = s.vmas[id]!;
    const mrs = s.mrs
      .filter((mr) => mr.live && mr.vma === id)
      .map((mr) => `${mr.importer}${mr.pendingInvalidation ? 'P' : ''}[${mr.mapped.map((m) => mapping(m, alloc)).join(',')}]`)
      .sort();
    return `${v.exporter}:${alloc(v.alloc)}:${v.npages}:${v.ptes ? 'P' : 'z'}:${mrs.join(';')}`;
  };
  const liveVmas = (proc: number) => s.vmas.flatMap((v, id) => (v.mapped && v.proc === proc ? [id] : []));
  // an ignoring importer's MR outlives its VMA
  const orphanMrs = (proc: number, alloc: (id: number) => number | string) =>
    s.mrs
      .filter((mr) => mr.live && mr.proc === proc && !s.vmas[mr.vma]!.mapped)
      .map((mr) => `${mr.importer}[${mr.mapped.map((m) => mapping(m, alloc)).join(',')}]`)
      .sort();

  const contentSig = new Map<number, string>();
  const vmaContent = (id: number) => contentSig.get(id) ?? contentSig.set(id, vmaSig(id, objContent)).get(id)!;

  // order processes by content (object ids replaced by their contents)
  const byContent = s.procs
    .map((p, proc) => ({
      proc,
      sig: JSON.stringify([p.alive, p.born, liveVmas(proc).map(vmaContent).sort(), orphanMrs(proc, objContent)]),
    }))
    .sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : a.proc - b.proc));

  // name objects: BAR owners by page, then as the sorted processes meet them
  const names = new Map<number, number>();
  const name = (id: number) => names.get(id) ?? names.set(id, names.size).get(id)!;
  s.exporters.forEach((e) => e.pages.forEach((p) => p.owner !== null && name(p.owner)));
  for (const { proc } of byContent)
    for (const id of liveVmas(proc).sort((a, b) => (vmaContent(a) < vmaContent(b) ? -1 : 1))) name(s.vmas[id]!.alloc);
  s.objects.forEach((o, id) => (o.live || o.evicting) && name(id));

  const objects = s.objects.flatMap((o, id) => (o.live || o.evicting ? [[name(id), objContent(id), o.live]] : []));
  objects.sort((a, b) => (a[0] as number) - (b[0] as number));
  const procs = byContent.map(({ proc }) => {
    const p = s.procs[proc]!;
    return [p.alive, p.born, liveVmas(proc).map((id) => vmaSig(id, name)).sort(), orphanMrs(proc, name)];
  });
  const orphans = s.p2pMaps.filter((m) => m.outstanding).map((m) => mapKey(s, m, name)).sort();
  const pages = s.exporters.map((e) => [e.driver, e.pages.map((p) => (p.owner === null ? -1 : name(p.owner)))]);
  return JSON.stringify([pages, objects, procs, orphans, s.injectInsertFail]);
}
