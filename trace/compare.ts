// One sequence of steps on several designs and presets (`p2pmodel
// compare`): each column runs the steps from its own initial state with
// every property judged (trace/replay.ts runActions), and the text puts
// the returns step by step, then the verdicts, side by side within 72
// columns, with which steps and properties tell the columns apart.
import type { Design, DesignId, PresetSpec } from '../model/design.js';
import { resolveKnobs } from '../model/design.js';
import { designs } from '../model/designs.js';
import { formatCall } from '../model/format.js';
import type { Action, Config, Ret } from '../model/vocabulary.js';
import { catalogue, type PropertyId } from '../properties/catalogue.js';
import { foldUnits, softUnits, WIDTH, widest } from './layout.js';
import { type Observation, runActions } from './replay.js';

export interface Column {
  readonly design: Design;
  readonly preset: PresetSpec;
}

export interface Compared {
  /** `A1`: the design's letter in the registry (as `p2pmodel matrix` names them), the preset's place in it. */
  readonly code: string;
  readonly design: DesignId;
  readonly preset: string;
  readonly returns: readonly Ret[];
  readonly observations: readonly Observation[];
}

const columnCode = (c: Column) => `${String.fromCharCode(65 + designs.indexOf(c.design))}${c.design.presets.indexOf(c.preset) + 1}`;

/** Every preset of every design, in registry order. */
export const allColumns = (): Column[] => designs.flatMap((design) => design.presets.map((preset) => ({ design, preset })));

export function compare(config: Config, actions: readonly Action[], columns: readonly Column[]): Compared[] {
  return columns.map((c) => {
    const run = runActions(c.design, config, resolveKnobs(c.design, c.preset), actions);
    return { code: columnCode(c), design: c.design.id, preset: c.preset.name, returns: run.steps.map((s) => s.ret), observations: run.observations };
  });
}

export interface Differences {
  /** Steps (1-based) whose return is not the same in every column. */
  readonly steps: readonly number[];
  /** Properties whose verdict is not the same in every column. */
  readonly properties: readonly PropertyId[];
}

export function differences(compared: readonly Compared[]): Differences {
  const first = compared[0];
  if (!first) return { steps: [], properties: [] };
  return {
    steps: first.returns.flatMap((ret, i) => (compared.some((c) => c.returns[i] !== ret) ? [i + 1] : [])),
    properties: first.observations.flatMap((o, i) => (compared.some((c) => c.observations[i]!.verdict !== o.verdict) ? [o.property] : [])),
  };
}

/** A verdict and, when it showed, the step: `violated@4`. */
const verdictCell = (o: Observation) => (o.step === null ? o.verdict : `${o.verdict}@${o.step}`);

/** `a, b, c.` as words to fold. */
const series = (items: readonly (string | number)[]) => items.map((x, i) => `${x}${i < items.length - 1 ? ',' : '.'}`);

/** Which steps and properties tell the columns apart, as words to fold. */
const differWords = (d: Differences) => ({
  returns: d.steps.length === 0 ? ['Returns:', 'the', 'same', 'in', 'every', 'column.'] : ['Returns', 'differ', 'at', d.steps.length === 1 ? 'step' : 'steps', ...series(d.steps)],
  verdicts: d.properties.length === 0 ? ['Verdicts:', 'the', 'same', 'in', 'every', 'column.'] : ['Verdicts', 'differ', 'on', ...series(d.properties)],
});

/**
 * The comparison as text under `heading`. With room for every column
 * beside the calls, each step row carries its call; otherwise the steps
 * are listed first and the rows name them by number, the columns in
 * blocks as wide as 72 columns allow, each block with a legend.
 */
export function compareText(heading: string, config: Config, actions: readonly Action[], compared: readonly Compared[]): string {
  const calls = actions.map((a) => formatCall(a, config));
  const numW = String(actions.length).length;
  const actorW = widest(calls.map((c) => c.actor));
  const head = (i: number) => `  ${String(i + 1).padStart(numW)}  ${calls[i]!.actor.padEnd(actorW)}  `;
  const cellW = widest([...compared.map((c) => c.code), ...compared.flatMap((c) => [...c.returns, ...c.observations.map(verdictCell)])]) + 2;
  const propW = widest(catalogue.map((p) => p.id));
  const inlineW = Math.max(widest(calls.map((c, i) => head(i) + c.call)), propW) + 2;
  const inline = inlineW + cellW * compared.length <= WIDTH;
  const stepLabel = (i: number) => (inline ? head(i) + calls[i]!.call : `step ${i + 1}`);
  const labelW = inline ? inlineW : Math.max(propW, stepLabel(actions.length - 1).length) + 2;
  const row = (label: string, cells: readonly string[]) => (label.padEnd(labelW) + cells.map((c) => c.padEnd(cellW)).join('')).trimEnd();

  const lines = [...foldUnits('', softUnits(heading), { indent: 2 }), ''];
  if (!inline) lines.push(...calls.flatMap((c, i) => foldUnits(head(i).slice(0, -1), softUnits(c.call), { indent: head(i).length })), '');
  const words = differWords(differences(compared));
  lines.push(...foldUnits('', words.returns, { indent: 2 }), ...foldUnits('', words.verdicts, { indent: 2 }));
  // a property no column sees violated or witnessed gets no row, only a line at the end
  const shown = catalogue.flatMap((_, k) => (compared.some((c) => c.observations[k]!.step !== null) ? [k] : []));
  const perBlock = Math.max(1, Math.floor((WIDTH - labelW) / cellW));
  for (let start = 0; start < compared.length; start += perBlock) {
    const block = compared.slice(start, start + perBlock);
    lines.push('', row('', block.map((c) => c.code)));
    lines.push(...actions.map((_, i) => row(stepLabel(i), block.map((c) => c.returns[i]!))));
    for (const k of shown) lines.push(row(catalogue[k]!.id, block.map((c) => verdictCell(c.observations[k]!))));
    const legend = block.map((c, k) => `${c.code} ${c.design} ${c.preset}${k < block.length - 1 ? ',' : ''}`);
    lines.push(...foldUnits('', legend.flatMap((l) => l.split(' ')), { indent: 3 }));
  }
  const quiet = catalogue.filter((_, k) => !shown.includes(k));
  const holds = quiet.filter((p) => p.kind !== 'capability').map((p) => p.id);
  const never = quiet.filter((p) => p.kind === 'capability').map((p) => p.id);
  lines.push('');
  if (holds.length > 0) lines.push(...foldUnits('Holds in every column:', series(holds), { indent: 2 }));
  if (never.length > 0) lines.push(...foldUnits('Never in every column:', series(never), { indent: 2 }));
  lines.push('violated@N, sometimes@N: first seen after step N');
  return lines.join('\n') + '\n';
}

/** The comparison as JSON (see the README): one entry of compare --json's `traces`, less where it stands. */
export function compareJson(config: Config, actions: readonly Action[], stepLines: readonly number[], compared: readonly Compared[]) {
  return {
    steps: actions.map((a, i) => {
      const { actor, call } = formatCall(a, config);
      return { n: i + 1, line: stepLines[i] ?? null, call: `${actor}: ${call}` };
    }),
    columns: compared,
    differ: differences(compared),
  };
}
