// p2pmodel matrix [--markdown|--json]: properties x design/preset, from
// the search, and beside them the scenarios of scenarios/*.txt judged on
// the columns each lists.
import { relative } from 'node:path';
import type { Command } from 'commander';
import { designs } from '../model/designs.js';
import { catalogue, type PropertyId } from '../properties/catalogue.js';
import { defaultRuns, defaultSeed } from '../properties/defaults.js';
import type { Verdict } from '../properties/explore.js';
import { computeMatrix, type Matrix, matrixMet } from '../properties/matrix.js';
import type { ScenarioOutcome } from '../scenarios/format.js';
import { type CellJudgement, describeDifference, judgeScenario, type ScenarioJudgement } from '../scenarios/judge.js';
import { loadScenarios, scenarioDir } from '../scenarios/load.js';
import { foldUnits } from '../trace/layout.js';
import type { Ctx } from './context.js';
import { usage } from './errors.js';
import { intOption } from './options.js';
import { searchProgress, statusLine } from './progress.js';

const short: Record<Verdict, string> = { holds: 'ok', violated: 'FAIL', sometimes: 'some', never: 'never' };

/** A mismatch with the expected table is marked with '!'. */
const cellText = (v: Verdict, expected: Verdict | undefined) => short[v] + (expected && expected !== v ? '!' : '');

/** One letter per property for scenario cells: upper case violated, lower case witnessed. */
const letters: Readonly<Record<PropertyId, string>> = {
  'dma-to-live-allocation': 'L',
  'dma-to-bound-exporter': 'B',
  'no-kernel-cpu-access': 'K',
  'route-supported': 'R',
  'accounting-consistent': 'A',
  'unbind-completes': 'U',
  'evict-completes': 'E',
  'no-leak': 'N',
  'odirect-to-bar': 'o',
  'rdma-mr-on-bar': 'm',
  'p2p-dma': 'p',
};

/** What a scenario shows on one column: violated then witnessed letters, '-' for nothing. */
const outcomeCode = (o: ScenarioOutcome) =>
  [...o.violates, ...o.witnesses].map((id) => letters[id]).join('') || '-';

export interface Scenarios {
  readonly judged: readonly ScenarioJudgement[];
}

/** The judged cell of `j` for matrix column `i`, if the scenario lists it. */
const cellAt = (m: Matrix, j: ScenarioJudgement, i: number): CellJudgement | undefined =>
  j.cells.find((c) => c.design === m.columns[i]!.design.id && c.preset === m.columns[i]!.preset);

const scenarioCell = (c: CellJudgement | undefined) => (c ? outcomeCode(c.outcome) + (c.met ? '' : '!') : '.');

/** Columns A1.., B1.. per design, so the table fits a 72-column mail. */
function columnCodes(m: Matrix): string[] {
  const codes = new Map<string, string>();
  const counts = new Map<string, number>();
  return m.columns.map((c) => {
    if (!codes.has(c.design.id)) codes.set(c.design.id, String.fromCharCode(65 + codes.size));
    const n = (counts.get(c.design.id) ?? 0) + 1;
    counts.set(c.design.id, n);
    return `${codes.get(c.design.id)}${n}`;
  });
}

/** `L dma-to-live-allocation,` ... for the properties of `kinds`, the last without a comma. */
const legendEntries = (kinds: readonly string[]) =>
  catalogue
    .filter((p) => kinds.includes(p.kind))
    .map((p, i, all) => `${letters[p.id]} ${p.id}${i < all.length - 1 ? ',' : ''}`);

/** The legend of the scenario cells, folded to 72 columns. */
function scenarioLegend(): string[] {
  return [
    'scenario cells: what its steps show on that column (scenarios/*.txt)',
    ...foldUnits('  violates', legendEntries(['safety', 'liveness']), { indent: 4 }),
    ...foldUnits('  witnesses', legendEntries(['capability']), { indent: 4 }),
    "  -: neither  .: not judged there  !: differs from the scenario's file",
  ];
}

/** The cells that differ from their files: `<scenario> <design> <preset>: <first difference>`. */
const unfoldedDifferences = (s: Scenarios): string[] =>
  s.judged.flatMap((j) =>
    j.cells.flatMap((c) =>
      c.difference ? [`${j.parsed.scenario.name} ${c.design} ${c.preset}: ${describeDifference(c.difference)}`] : [],
    ),
  );

/** The same, each folded to 72 columns. */
const differences = (s: Scenarios): string[] =>
  unfoldedDifferences(s).flatMap((line) => foldUnits('', line.split(' '), { indent: 4 }));

function matrixText(m: Matrix, s: Scenarios): string {
  const codes = columnCodes(m);
  const names = s.judged.map((j) => j.parsed.scenario.name);
  const width = Math.max(...m.rows.map((r) => r.property.length), ...names.map((n) => n.length));
  const header = (title: string) => `${title.padEnd(width)}${codes.map((c) => c.padStart(6)).join('')}`;
  const cellCount = s.judged.reduce((n, j) => n + j.cells.length, 0);
  const differing = s.judged.reduce((n, j) => n + j.cells.filter((c) => !c.met).length, 0);
  const lines = [
    header(''),
    ...m.rows.map((r) => `${r.property.padEnd(width)}${r.cells.map((c) => cellText(c.verdict, c.expected).padStart(6)).join('')}`),
    ...(s.judged.length === 0
      ? []
      : [
          '',
          header('scenario'),
          ...s.judged.map(
            (j) => `${j.parsed.scenario.name.padEnd(width)}${m.columns.map((_, i) => scenarioCell(cellAt(m, j, i)).padStart(6)).join('')}`,
          ),
        ]),
    '',
    ...m.columns.map((c, i) => `${codes[i]}: ${c.design.id} ${c.preset}`),
    'ok: holds  FAIL: violated  some: sometimes  never: never',
    '!: differs from properties/expected.ts',
    ...(s.judged.length === 0 ? [] : scenarioLegend()),
    `seed ${m.seed}, ${m.runs} runs per column (p2pmodel matrix)`,
    ...(s.judged.length === 0
      ? []
      : [`${s.judged.length} scenarios, ${cellCount} cells: ${differing === 0 ? 'all as stated' : `${differing} differ`}`]),
    ...differences(s),
  ];
  return lines.join('\n') + '\n';
}

function matrixMarkdown(m: Matrix, s: Scenarios): string {
  const columns = m.columns.map((c) => `${c.design.id}<br>${c.preset}`);
  const head = `| property | kind | ${columns.join(' | ')} |`;
  const rule = `|---|---|${m.columns.map(() => '---').join('|')}|`;
  const rows = m.rows.map(
    (r) => `| \`${r.property}\` | ${r.kind} | ${r.cells.map((c) => c.verdict + (c.expected && c.expected !== c.verdict ? ' (!)' : '')).join(' | ')} |`,
  );
  const out = [head, rule, ...rows, '', `seed ${m.seed}, ${m.runs} runs per column`];
  if (s.judged.length > 0) {
    const code = (c: CellJudgement | undefined) => (c ? `\`${outcomeCode(c.outcome)}\`${c.met ? '' : ' (!)'}` : '');
    out.push(
      '',
      `| scenario | question | ${columns.join(' | ')} |`,
      rule,
      ...s.judged.map(
        (j) =>
          `| \`${j.parsed.scenario.name}\` | ${j.parsed.scenario.question.replace(/\|/g, '\\|')} | ${m.columns.map((_, i) => code(cellAt(m, j, i))).join(' | ')} |`,
      ),
      '',
      `Scenario cells: violated (upper case) and witnessed (lower case): ${legendEntries(['safety', 'liveness', 'capability']).join(' ')}` +
        "; `-` neither; empty: not judged there; (!): differs from the scenario's file.",
      ...(differences(s).length === 0 ? [] : ['', ...unfoldedDifferences(s).map((l) => `* ${l}`)]),
    );
  }
  return out.join('\n') + '\n';
}

const outcomeJson = (o: ScenarioOutcome) => ({ returns: o.returns, violates: o.violates, witnesses: o.witnesses });

function matrixJson(m: Matrix, s: Scenarios) {
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
    scenarios: s.judged.map((j) => ({
      scenario: j.parsed.scenario.name,
      file: j.parsed.file,
      question: j.parsed.scenario.question,
      cells: j.cells.map((c) => ({
        design: c.design,
        preset: c.preset,
        outcome: outcomeJson(c.outcome),
        expected: outcomeJson(c.expected),
        met: c.met,
        difference: c.difference,
      })),
    })),
  };
}

export function registerMatrix(program: Command, ctx: Ctx): void {
  program
    .command('matrix')
    .description(
      'properties x design/preset, computed by the search, and the scenarios; exit 1 if a cell differs from the table or a scenario from its file',
    )
    .option('--markdown', 'a markdown table')
    .option('--json', 'machine-readable output')
    .option('--runs <n>', `sequences per column (default ${defaultRuns})`)
    .option('--seed <n>', 'fast-check seed')
    .option('--scenarios <dir>', 'directory of scenario files (default: the scenarios/ of this package)')
    .action((flags: { markdown?: boolean; json?: boolean; runs?: string; seed?: string; scenarios?: string }) => {
      if (flags.markdown && flags.json) usage('--markdown and --json exclude each other');
      const runs = intOption('--runs', flags.runs, defaultRuns, 1);
      const seed = intOption('--seed', flags.seed, defaultSeed());
      const dir = flags.scenarios ?? scenarioDir;
      let judged: ScenarioJudgement[];
      try {
        // a malformed file is a TraceSyntaxError naming it and its line: exit 2
        judged = loadScenarios(dir).map(judgeScenario);
      } catch (err) {
        const { code, path } = err as NodeJS.ErrnoException;
        if (code === undefined) throw err;
        if (path === undefined || path === dir) usage(`--scenarios: cannot read directory '${dir}': ${code}`);
        usage(`${relative(process.cwd(), path) || path}: cannot read: ${code}`);
      }
      const status = statusLine(ctx.io);
      const m = computeMatrix(designs, runs, seed, (p) =>
        status.report(() => `matrix ${p.column.design.id} ${p.column.preset} (${p.index + 1}/${p.columns}): ${searchProgress(p)}`),
      );
      status.clear();
      const s = { judged };
      ctx.io.out(flags.json ? JSON.stringify(matrixJson(m, s), null, 2) + '\n' : flags.markdown ? matrixMarkdown(m, s) : matrixText(m, s));
      ctx.exit(matrixMet(m) && judged.every((j) => j.met) ? 0 : 1);
    });
}
