// The design space at a glance: every property judged on every preset of
// every design, by a search (never typed in). By default the complete
// search of one world: a holds or never cell is then proven for that
// world, a violated or sometimes cell carries the shortest trace. The
// random search is the alternative for worlds too big to search to the end.
import { type Design, resolveKnobs } from '../model/design.js';
import type { Config } from '../model/vocabulary.js';
import type { PropertyId, PropertyKind } from './catalogue.js';
import type { Finding } from './evaluate.js';
import { checkExhaustive } from './exhaustive.js';
import { expectationOf } from './expected.js';
import { type ExploreProgress, explore, type Verdict } from './explore.js';

export interface MatrixColumn {
  readonly design: Design;
  readonly preset: string;
  /** Complete search: the states of this column's world (every one judged). */
  readonly states?: number;
  readonly seconds: number;
}

export interface MatrixCell {
  readonly verdict: Verdict;
  readonly expected: Verdict | undefined;
  /** The shortest trace (complete search) or the shrunk one (random search). */
  readonly finding?: Finding;
}

export interface MatrixRow {
  readonly property: PropertyId;
  readonly kind: PropertyKind;
  readonly cells: readonly MatrixCell[];
}

/** How the cells were searched. */
export type MatrixSearch = { readonly search: 'complete' } | { readonly search: 'random'; readonly runs: number; readonly seed: number };

export interface Matrix {
  readonly how: MatrixSearch;
  readonly world: string;
  readonly columns: readonly MatrixColumn[];
  readonly rows: readonly MatrixRow[];
}

/** Where a matrix run is: column `index` (0-based) of `columns`, and the random search's progress in it. */
export interface MatrixProgress {
  readonly column: { readonly design: Design; readonly preset: string };
  readonly index: number;
  readonly columns: number;
  readonly random?: ExploreProgress;
}

export function computeMatrix(
  designs: readonly Design[],
  how: MatrixSearch,
  world: { readonly name: string; readonly config: Config },
  onProgress?: (p: MatrixProgress) => void,
): Matrix {
  const specs = designs.flatMap((design) => design.presets.map((p) => ({ design, preset: p.name })));
  const searched = specs.map((spec, index) => {
    onProgress?.({ column: spec, index, columns: specs.length });
    const started = performance.now();
    if (how.search === 'complete') {
      const preset = spec.design.presets.find((p) => p.name === spec.preset)!;
      const r = checkExhaustive(spec.design, world.config, resolveKnobs(spec.design, preset), { symmetry: true });
      return { column: { ...spec, states: r.states, seconds: r.seconds }, results: r.results };
    }
    const r = explore({
      ...spec,
      config: world.config,
      runs: how.runs,
      seed: how.seed,
      ...(onProgress ? { onProgress: (p: ExploreProgress) => onProgress({ column: spec, index, columns: specs.length, random: p }) } : {}),
    });
    return { column: { ...spec, seconds: (performance.now() - started) / 1000 }, results: r.results };
  });
  const rows = searched[0]!.results.map((first, i) => ({
    property: first.property,
    kind: first.kind,
    cells: searched.map(({ column, results }) => {
      const r = results[i]!;
      return {
        verdict: r.verdict,
        expected: expectationOf(column.design.id, column.preset, first.property)?.verdict,
        ...(r.finding ? { finding: r.finding } : {}),
      };
    }),
  }));
  return { how, world: world.name, columns: searched.map((s) => s.column), rows };
}

export const matrixMet = (m: Matrix) => m.rows.every((r) => r.cells.every((c) => !c.expected || c.expected === c.verdict));
