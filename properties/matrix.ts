// The design space at a glance: every property judged on every preset of
// every design, by running the search (never typed in).
import type { Design } from '../model/design.js';
import type { PropertyId, PropertyKind } from './catalogue.js';
import { expectationOf } from './expected.js';
import { type ExploreProgress, explore, type Verdict } from './explore.js';

export interface MatrixColumn {
  readonly design: Design;
  readonly preset: string;
}

export interface MatrixCell {
  readonly verdict: Verdict;
  readonly expected: Verdict | undefined;
}

export interface MatrixRow {
  readonly property: PropertyId;
  readonly kind: PropertyKind;
  readonly cells: readonly MatrixCell[];
}

export interface Matrix {
  readonly seed: number;
  readonly runs: number;
  readonly columns: readonly MatrixColumn[];
  readonly rows: readonly MatrixRow[];
}

/** Where a matrix run is: the search of `column`, number `index` (0-based) of `columns`. */
export interface MatrixProgress extends ExploreProgress {
  readonly column: MatrixColumn;
  readonly index: number;
  readonly columns: number;
}

export function computeMatrix(designs: readonly Design[], runs: number, seed: number, onProgress?: (p: MatrixProgress) => void): Matrix {
  const columns = designs.flatMap((design) => design.presets.map((p) => ({ design, preset: p.name })));
  const runsByColumn = columns.map((column, index) =>
    explore({
      design: column.design,
      preset: column.preset,
      runs,
      seed,
      ...(onProgress ? { onProgress: (p: ExploreProgress) => onProgress({ ...p, column, index, columns: columns.length }) } : {}),
    }),
  );
  const rows = runsByColumn[0]!.results.map((first, i) => ({
    property: first.property,
    kind: first.kind,
    cells: runsByColumn.map((run, c) => ({
      verdict: run.results[i]!.verdict,
      expected: expectationOf(columns[c]!.design.id, columns[c]!.preset, first.property)?.verdict,
    })),
  }));
  return { seed, runs, columns, rows };
}

export const matrixMet = (m: Matrix) => m.rows.every((r) => r.cells.every((c) => !c.expected || c.expected === c.verdict));
