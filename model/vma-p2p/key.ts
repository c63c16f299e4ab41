// Canonical state keys for the exhaustive search. A p2p_map's generation
// matters only as "its page was freed since" (stale). With symmetry, dead
// objects, VMAs, MRs and undone p2p_maps go, processes are sorted by what
// they hold, alike importers are renamed by what they map, and objects are
// renamed in the order a traversal meets them:
// a relabelling, so equal keys mean isomorphic states.
// A hot path of `p2pmodel check`: plain loops and string building, no
// named inner functions (tsx's keepNames wraps each in __name() per call).
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

/** The text of each VMA and of each process's MRs, with objects written as `objName`. */
function procTexts(s: VpState, objName: readonly string[], maps: readonly string[], importer: readonly number[]) {
  const mapAlloc = s.p2pMaps.map((m) => objName[m.alloc]!);
  const mrsOn: string[][] = s.vmas.map(() => []);
  const orphans: string[][] = s.procs.map(() => []);
  for (const mr of s.mrs) {
    if (!mr.live) continue;
    if (s.vmas[mr.vma]!.mapped) mrsOn[mr.vma]!.push(mrText(mr, maps, mapAlloc, importer));
    else orphans[mr.proc]!.push(mrText(mr, maps, mapAlloc, importer)); // an ignoring importer's MR outlives its VMA
  }
  const full = s.vmas.map((v, id) => `${v.exporter}:${objName[v.alloc]}:${v.npages}:${v.ptes ? 'P' : 'z'}:${mrsOn[id]!.sort().join(';')}`);
  const vmas: string[][] = s.procs.map(() => []);
  for (let id = 0; id < s.vmas.length; id++) if (s.vmas[id]!.mapped) vmas[s.vmas[id]!.proc]!.push(full[id]!);
  return { full, text: s.procs.map((p, i) => `${p.alive ? 'A' : p.born ? 'D' : 'U'}[${vmas[i]!.sort().join('|')}][${orphans[i]!.sort().join('|')}]`) };
}

/** What importer `i` maps and whether it owes an ack, written without importer ids. */
function importerHolds(s: VpState, i: number): string {
  const held: string[] = [];
  for (const mr of s.mrs) {
    if (!mr.live || mr.importer !== i) continue;
    held.push(`${mr.pendingInvalidation}${mr.mapped.map((m) => (m?.mem === 'bar' ? `${s.p2pMaps[m.p2p]!.exporter}.${s.p2pMaps[m.p2p]!.page}` : (m?.mem ?? '-')))}`);
  }
  return held.sort().join('|');
}

export function vmaP2pKey(s: VpState, symmetry: boolean): string {
  if (!symmetry) return exactKey(s);
  const importer = importerRenaming(s.config, (i) => importerHolds(s, i));
  const maps = mapTexts(s, importer);
  const objContent = s.objects.map(
    (o) => `${o.exporter}:${o.npages}:${o.placement}:${o.pages.join(',')}:${o.vmas}${o.evicting ? 'E' : ''}`,
  );

  // order processes by content, then name objects: BAR owners by page, then as the processes meet them
  const content = procTexts(s, objContent, maps, importer);
  const byContent = content.text.map((sig, proc) => ({ sig, proc }));
  byContent.sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : a.proc - b.proc));
  const met: number[] = [];
  for (const e of s.exporters) for (const p of e.pages) if (p.owner !== null) met.push(p.owner);
  for (const { proc } of byContent) {
    const ids = s.vmas.flatMap((v, id) => (v.mapped && v.proc === proc ? [id] : []));
    for (const id of ids.sort((a, b) => (content.full[a]! < content.full[b]! ? -1 : 1))) met.push(s.vmas[id]!.alloc);
  }
  for (let id = 0; id < s.objects.length; id++) if (s.objects[id]!.live || s.objects[id]!.evicting) met.push(id);
  const names: string[] = s.objects.map(() => '');
  let next = 0;
  for (const id of met) if (names[id] === '') names[id] = `a${next++}`;

  const named = procTexts(s, names, maps, importer).text;
  let out = `${s.injectInsertFail}|`;
  for (const e of s.exporters) out += `${e.driver}:${e.pages.map((p) => (p.owner === null ? '' : names[p.owner])).join(',')}|`;
  const objects: string[] = [];
  for (let id = 0; id < s.objects.length; id++) {
    const o = s.objects[id]!;
    if (o.live || o.evicting) objects.push(`${names[id]}=${objContent[id]}${o.live ? 'L' : ''}`);
  }
  out += objects.sort().join(',');
  out += `#${byContent.map(({ proc }) => named[proc]).join('#')}#`;
  const outstanding: string[] = [];
  for (let i = 0; i < s.p2pMaps.length; i++) if (s.p2pMaps[i]!.outstanding) outstanding.push(`${maps[i]}:${names[s.p2pMaps[i]!.alloc]}`);
  return out + outstanding.sort().join(',');
}
