// Canonical state keys for the exhaustive search. A p2p_map's generation
// matters only as "its page was freed since" (stale). With symmetry, dead
// objects, VMAs, MRs and undone p2p_maps go, processes are sorted by what
// they hold, alike importers are renamed by what they map, and objects are
// renamed in the order a traversal meets them:
// a relabelling, so equal keys mean isomorphic states.
// A hot path of `p2pmodel check`: plain loops and string building.
import { importerRenaming } from '../shared.js';
import type { VpMr, VpState } from './state.js';

/** Each p2p_map record without its object: importer, page, stale, undone. */
function mapTexts(s: VpState, importer: readonly number[]): string[] {
  return s.p2pMaps.map((m) => {
    const stale = s.exporters[m.exporter]!.pages[m.page]!.gen !== m.gen ? '~' : '';
    return `${importer[m.importer]}>${m.exporter}.${m.page}${stale}${m.outstanding ? '' : 'u'}`;
  });
}

function mrText(mr: VpMr, maps: readonly string[], mapAlloc: readonly string[], importer: readonly number[]): string {
  let out = `${importer[mr.importer]}${mr.pendingInvalidation ? 'P' : ''}[`;
  for (const m of mr.mapped) out += m === null ? '-,' : m.mem === 'ram' ? 'ram,' : `${maps[m.p2p]}:${mapAlloc[m.p2p]},`;
  return `${out}]`;
}

function exactKey(s: VpState): string {
  const same = s.config.importers.map((_, i) => i);
  const maps = mapTexts(s, same);
  const mapAlloc = s.p2pMaps.map((m) => `a${m.alloc}`);
  let out = `${s.injectInsertFail}|`;
  for (const e of s.exporters) out += `${e.driver}:${e.pages.map((p) => p.owner).join(',')}|`;
  for (const p of s.procs) out += p.alive ? 'A' : p.born ? 'D' : 'U';
  for (const v of s.vmas) out += `v${v.proc}.${v.alloc}.${v.npages}${v.mapped ? 'm' : ''}${v.ptes ? 'p' : ''}`;
  for (const o of s.objects) out += `o${o.exporter}.${o.npages}.${o.placement}.${o.pages.join(',')}.${o.vmas}${o.evicting ? 'E' : ''}${o.live ? 'L' : ''}`;
  for (const mr of s.mrs) out += `r${mr.proc}.${mr.vma}${mr.live ? 'l' : ''}${mrText(mr, maps, mapAlloc, same)}`;
  for (let i = 0; i < maps.length; i++) out += `${maps[i]}:${mapAlloc[i]};`;
  return out;
}

export function vmaP2pKey(s: VpState, symmetry: boolean): string {
  if (!symmetry) return exactKey(s);
  // alike importers renamed by the pages they map and whether they owe an ack
  const importer = importerRenaming(s.config, (i) => {
    const held = s.mrs.filter((mr) => mr.live && mr.importer === i).map((mr) => `${mr.pendingInvalidation}${mr.mapped.map((m) => (m?.mem === 'bar' ? `${s.p2pMaps[m.p2p]!.exporter}.${s.p2pMaps[m.p2p]!.page}` : m?.mem ?? '-'))}`);
    return held.sort().join('|');
  });
  const maps = mapTexts(s, importer);
  const objContent = s.objects.map(
    (o) => `${o.exporter}:${o.npages}:${o.placement}:${o.pages.join(',')}:${o.vmas}${o.evicting ? 'E' : ''}`,
  );
  // the text of each VMA and of each process's MRs, with objects written as `objName`
  const procText = (objName: readonly string[]) => {
    const mapAlloc = s.p2pMaps.map((m) => objName[m.alloc]!);
    const vmaText: string[] = s.vmas.map((v) => `${v.exporter}:${objName[v.alloc]}:${v.npages}:${v.ptes ? 'P' : 'z'}:`);
    const mrsOn: string[][] = s.vmas.map(() => []);
    const orphans: string[][] = s.procs.map(() => []);
    for (const mr of s.mrs) {
      if (!mr.live) continue;
      if (s.vmas[mr.vma]!.mapped) mrsOn[mr.vma]!.push(mrText(mr, maps, mapAlloc, importer));
      else orphans[mr.proc]!.push(mrText(mr, maps, mapAlloc, importer)); // an ignoring importer's MR outlives its VMA
    }
    const full = s.vmas.map((_, id) => vmaText[id] + mrsOn[id]!.sort().join(';'));
    const vmas: string[][] = s.procs.map(() => []);
    s.vmas.forEach((v, id) => v.mapped && vmas[v.proc]!.push(full[id]!));
    return { full, text: s.procs.map((p, i) => `${p.alive ? 'A' : p.born ? 'D' : 'U'}[${vmas[i]!.sort().join('|')}][${orphans[i]!.sort().join('|')}]`) };
  };

  // order processes by content, then name objects: BAR owners by page, then as the processes meet them
  const content = procText(objContent);
  const byContent = content.text.map((sig, proc) => ({ sig, proc }));
  byContent.sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : a.proc - b.proc));
  const names: string[] = s.objects.map(() => '');
  let next = 0;
  const meet = (id: number) => {
    if (names[id] === '') names[id] = `a${next++}`;
  };
  for (const e of s.exporters) for (const p of e.pages) if (p.owner !== null) meet(p.owner);
  for (const { proc } of byContent) {
    const ids = s.vmas.flatMap((v, id) => (v.mapped && v.proc === proc ? [id] : []));
    for (const id of ids.sort((a, b) => (content.full[a]! < content.full[b]! ? -1 : 1))) meet(s.vmas[id]!.alloc);
  }
  s.objects.forEach((o, id) => (o.live || o.evicting) && meet(id));

  const named = procText(names).text;
  let out = `${s.injectInsertFail}|`;
  for (const e of s.exporters) out += `${e.driver}:${e.pages.map((p) => (p.owner === null ? '' : names[p.owner])).join(',')}|`;
  const objects: string[] = [];
  s.objects.forEach((o, id) => (o.live || o.evicting) && objects.push(`${names[id]}=${objContent[id]}${o.live ? 'L' : ''}`));
  out += objects.sort().join(',');
  out += `#${byContent.map(({ proc }) => named[proc]).join('#')}#`;
  const outstanding: string[] = [];
  s.p2pMaps.forEach((m, i) => m.outstanding && outstanding.push(`${maps[i]}:${names[m.alloc]}`));
  return out + outstanding.sort().join(',');
}
