// The canonical trace text: plain ASCII, at most 72
// columns, in the spirit of a herd7 litmus test. trace/parse.ts reads
// exactly this back (parse(print(t)) equals t), with mail damage undone.
//
//   P2P struct-page lsfmm-2020                    design, preset
//   Knobs: dma_map_checks_route=on                overrides (only if any)
//   {                                             the config
//     exporter e0: 2 pages
//     importer nvme0: nvme p2pdma; route e0 bus-addr
//     importer nic1: rdma no-odp; route e0 none
//     iommu on; 2 processes
//   }
//   (* No kernel CPU access to BAR memory ... *)  statement, a comment
//   Result: no-kernel-cpu-access violated (safety)
//   Detail: kernel kmap+memcpy of e0 page 0
//
//     1  p0  mmap(e0, 1, MAP_SHARED, 0)  -> vma0   numbered steps
//     2  p0  process_vm_readv(vma0, 0)   -> 0
//
//   Link: https://lore.kernel.org/r/...           trailers
//   Reproduce: npx p2pmodel check --design struct-page \
//     --preset lsfmm-2020
//
// A trace without a property prints no comment and no Result:, an empty
// detail no Detail:, an empty command no Reproduce:.
import { formatCall } from '../model/format.js';
import { type Config, type ImporterConfig, limitWords } from '../model/vocabulary.js';
import { findProperty } from '../properties/catalogue.js';
import { fold, foldUnits, softUnits, WIDTH, widest } from './layout.js';
import { type StatedRet, type Trace, UNKNOWN } from './trace.js';

/** The first word of the header line, like `C` or `AArch64` in a litmus test. */
export const HEADER_WORD = 'P2P';

function importerQualities(imp: ImporterConfig): string {
  return imp.kind === 'nvme' ? `nvme ${imp.p2pQueue ? 'p2pdma' : 'no-p2pdma'}` : `rdma ${imp.odp ? 'odp' : 'no-odp'}`;
}

export function configLines(config: Config): string[] {
  const lines = ['{'];
  for (const e of config.exporters)
    lines.push(...fold(`  exporter ${e.name}:`, e.pages === 1 ? '1 page' : `${e.pages} pages`, { indent: 4 }));
  config.importers.forEach((imp, i) => {
    const routes = config.exporters.map((e, x) => `${e.name} ${config.routes[i]?.[x] ?? 'none'}`);
    const units = [...softUnits(importerQualities(imp) + (routes.length > 0 ? ';' : ''))];
    if (routes.length > 0) units.push('route', ...routes.map((r, x) => (x < routes.length - 1 ? `${r},` : r)).flatMap(softUnits));
    lines.push(...foldUnits(`  importer ${imp.name}:`, units, { indent: 4 }));
  });
  const procs = `${config.processes} process${config.processes === 1 ? '' : 'es'}`;
  lines.push(`  iommu ${config.iommu ? 'on' : 'off'}; ${procs}`);
  const limits = limitWords.map(({ limit, one, many }) => `${config.limits[limit]} ${config.limits[limit] === 1 ? one : many}`);
  lines.push(...foldUnits('  limits:', limits.map((l, i) => (i < limits.length - 1 ? `${l},` : l)), { indent: 4 }));
  lines.push('}');
  return lines;
}

export function headerLines(t: Trace): string[] {
  const lines = [`${HEADER_WORD} ${t.design} ${t.preset}`];
  const knobs = Object.entries(t.overrides).map(([k, v]) => `${k}=${v}`);
  if (knobs.length > 0) lines.push(...foldUnits('Knobs:', knobs, { indent: 2 }));
  lines.push(...configLines(t.config));
  const property = t.property === undefined ? undefined : findProperty(t.property);
  if (property) {
    lines.push(...foldUnits('(*', [...softUnits(property.statement), '*)'], { indent: 3 }));
    lines.push(`Result: ${property.id} ${t.verdict ?? UNKNOWN} (${property.kind})`);
  }
  if (t.detail !== '') lines.push(...fold('Detail:', t.detail, { indent: 2 }));
  return lines;
}

export interface StepCell {
  readonly n: number;
  readonly actor: string;
  readonly call: string;
  readonly ret: StatedRet;
}

export function stepCells(t: Pick<Trace, 'config' | 'steps'>): StepCell[] {
  return t.steps.map((s, i) => ({ n: i + 1, ...formatCall(s.action, t.config), ret: s.ret }));
}

/**
 * The lines of each step, columns aligned: `  n  actor  call  -> ret`.
 * The call column is as wide as the widest call that still leaves room
 * for the widest return; a step that does not fit folds its call at the
 * commas, `-> ret` ending its last line.
 */
export function stepLineGroups(config: Config, steps: Trace['steps']): string[][] {
  const cells = stepCells({ config, steps });
  const numW = String(cells.length).length;
  const actorW = widest(cells.map((c) => c.actor));
  const retW = widest(cells.map((c) => c.ret));
  const lead = 2 + numW + 2 + actorW + 2; // where the call starts
  const callW = Math.min(widest(cells.map((c) => c.call)), WIDTH - lead - 2 - 3 - retW);
  return cells.map((c) => {
    const head = `  ${String(c.n).padStart(numW)}  ${c.actor.padEnd(actorW)}`;
    const aligned = `${head}  ${c.call.padEnd(callW)}  -> ${c.ret}`;
    const plain = `${head}  ${c.call}  -> ${c.ret}`;
    if (aligned.length <= WIDTH) return [aligned];
    if (plain.length <= WIDTH) return [plain];
    return foldUnits(head, [...softUnits(c.call), `-> ${c.ret}`], { indent: Math.min(lead, 12) });
  });
}

export const stepLines = (t: Trace): string[] => stepLineGroups(t.config, t.steps).flat();

export function trailerLines(t: Trace): string[] {
  const lines: string[] = [];
  for (const link of t.links) lines.push(...fold('Link:', link, { indent: 2 }));
  if (t.command !== '') lines.push(...foldUnits('Reproduce:', commandUnits(t.command), { indent: 2, style: 'shell' }));
  return lines;
}

/** The command's words, an option kept with its value (`--seed 42`) where a break may not fall. */
function commandUnits(command: string): string[] {
  const units: string[] = [];
  for (const unit of softUnits(command)) {
    const prev = units.at(-1);
    if (prev !== undefined && /^--[a-z]/.test(prev) && !prev.includes(' ') && !unit.startsWith('-')) units[units.length - 1] = `${prev} ${unit}`;
    else units.push(unit);
  }
  return units;
}

export function printTrace(t: Trace): string {
  const trailers = trailerLines(t);
  return [...headerLines(t), '', ...stepLines(t), ...(trailers.length > 0 ? ['', ...trailers] : [])].join('\n') + '\n';
}
