// p2pmodel matrix [--markdown|--json]: properties x design/preset, from the search.
import type { Command } from 'commander';
import { designs } from '../model/designs.js';
import { defaultRuns, defaultSeed } from '../properties/defaults.js';
import type { Verdict } from '../properties/explore.js';
import { computeMatrix, type Matrix, matrixMet } from '../properties/matrix.js';
import type { Ctx } from './context.js';
import { usage } from './errors.js';
import { intOption } from './options.js';

const short: Record<Verdict, string> = { holds: 'ok', violated: 'FAIL', sometimes: 'some', never: 'never' };

/** A mismatch with the expected table is marked with '!'. */
const cellText = (v: Verdict, expected: Verdict | undefined) => short[v] + (expected && expected !== v ? '!' : '');

/** Columns A1.., B1.. per design, so the table fits a 72-column mail. */
function columnCodes(m: Matrix): string[] {
  const letters = new Map<string, string>();
  const counts = new Map<string, number>();
  return m.columns.map((c) => {
    if (!letters.has(c.design.id)) letters.set(c.design.id, String.fromCharCode(65 + letters.size));
    const n = (counts.get(c.design.id) ?? 0) + 1;
    counts.set(c.design.id, n);
    return `${letters.get(c.design.id)}${n}`;
  });
}

export function matrixText(m: Matrix): string {
  const codes = columnCodes(m);
  const width = Math.max(...m.rows.map((r) => r.property.length));
  const lines = [
    `${''.padEnd(width)}${codes.map((c) => c.padStart(6)).join('')}`,
    ...m.rows.map((r) => `${r.property.padEnd(width)}${r.cells.map((c) => cellText(c.verdict, c.expected).padStart(6)).join('')}`),
    '',
    ...m.columns.map((c, i) => `${codes[i]}: ${c.design.id} ${c.preset}`),
    'ok: holds  FAIL: violated  some: sometimes  never: never',
    '!: differs from properties/expected.ts',
    `seed ${m.seed}, ${m.runs} runs per column (p2pmodel matrix)`,
  ];
  return lines.join('\n') + '\n';
}

export function matrixMarkdown(m: Matrix): string {
  const head = `| property | kind | ${m.columns.map((c) => `${c.design.id}<br>${c.preset}`).join(' | ')} |`;
  const rule = `|---|---|${m.columns.map(() => '---').join('|')}|`;
  const rows = m.rows.map(
    (r) => `| \`${r.property}\` | ${r.kind} | ${r.cells.map((c) => c.verdict + (c.expected && c.expected !== c.verdict ? ' (!)' : '')).join(' | ')} |`,
  );
  return [head, rule, ...rows, '', `seed ${m.seed}, ${m.runs} runs per column`].join('\n') + '\n';
}

export function matrixJson(m: Matrix) {
  return {
    seed: m.seed,
    runs: m.runs,
    columns: m.columns.map((c) => ({ design: c.design.id, preset: c.preset })),
    rows: m.rows.map((r) => ({
      property: r.property,
      kind: r.kind,
      cells: r.cells.map((c, i) => ({
        design: m.columns[i]!.design.id,
        preset: m.columns[i]!.preset,
        verdict: c.verdict,
        expected: c.expected ?? null,
      })),
    })),
  };
}

export function registerMatrix(program: Command, ctx: Ctx): void {
  program
    .command('matrix')
    .description('properties x design/preset, computed by the search; exit 1 if a cell differs from the table')
    .option('--markdown', 'a markdown table')
    .option('--json', 'machine-readable output')
    .option('--runs <n>', `sequences per column (default ${defaultRuns})`)
    .option('--seed <n>', 'fast-check seed')
    .action((flags: { markdown?: boolean; json?: boolean; runs?: string; seed?: string }) => {
      if (flags.markdown && flags.json) usage('--markdown and --json exclude each other');
      const m = computeMatrix(designs, intOption('--runs', flags.runs, defaultRuns, 1), intOption('--seed', flags.seed, defaultSeed()));
      ctx.io.out(flags.json ? JSON.stringify(matrixJson(m), null, 2) + '\n' : flags.markdown ? matrixMarkdown(m) : matrixText(m));
      ctx.exit(matrixMet(m) ? 0 : 1);
    });
}
