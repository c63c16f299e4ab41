// p2pmodel matrix [--markdown|--json]: properties x design/preset, from
// the complete search of one world (or the random search), and beside
// them the scenarios of scenarios/*.txt judged on the columns each lists.
import { relative } from 'node:path';
import type { Command } from 'commander';
import { designs } from '../model/designs.js';
import { catalogue, type PropertyId } from '../properties/catalogue.js';
import { defaultRuns, defaultSeed, maxRuns } from '../properties/defaults.js';
import { computeMatrix, type Matrix, type MatrixSearch, matrixMet } from '../properties/matrix.js';
import type { ScenarioOutcome } from '../scenarios/format.js';
import { type CellJudgement, describeDifference, judgeScenario, type ScenarioJudgement } from '../scenarios/judge.js';
import { loadScenarios, scenarioDir } from '../scenarios/load.js';
import { foldUnits, WIDTH } from '../trace/layout.js';
import type { Ctx } from './context.js';
import { usage } from './errors.js';
import { intOption, seedOption, worldOption } from './options.js';
import { searchProgress, statusLine } from './progress.js';

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
const outcomeCode = (o: ScenarioOutcome) => [...o.violates, ...o.witnesses].map((id) => letters[id]).join('') || '-';

interface Scenarios {
  readonly judged: readonly ScenarioJudgement[];
}

/** The judged cell of `j` for matrix column `i`, if the scenario lists it. */
const cellAt = (m: Matrix, j: ScenarioJudgement, i: number): CellJudgement | undefined =>
  j.cells.find((c) => c.design === m.columns[i]!.design.id && c.preset === m.columns[i]!.preset);

/** Width of one text cell: a word of at most 9, then a space, or '*' when it differs from its file or table. */
const CELL = 10;
const cell = (word: string, met: boolean) => word.padStart(CELL - 1) + (met ? ' ' : '*');

/** `L dma-to-live-allocation,` ... for the properties of `kinds`, the last without a comma. */
const legendEntries = (kinds: readonly string[]) =>
  catalogue.filter((p) => kinds.includes(p.kind)).map((p, i, all) => `${letters[p.id]} ${p.id}${i < all.length - 1 ? ',' : ''}`);

function howLines(m: Matrix): string[] {
  if (m.how.search === 'random')
    return foldUnits(
      '',
      `Random search (fast-check), world ${m.world}, seed ${m.how.seed}, ${m.how.runs} runs per column: holds and never mean no counterexample or witness in those runs.`.split(' '),
      { indent: 0 },
    );
  const states = m.columns.reduce((n, c) => n + (c.states ?? 0), 0);
  return foldUnits(
    '',
    `Complete search of world ${m.world} (${states} states in all): every holds and never is proven for each reachable state, every violated and sometimes has a shortest trace (p2pmodel check).`.split(' '),
    { indent: 0 },
  );
}

/** The cells that differ from their files: `<scenario> <design> <preset>: <first difference>`. */
const unfoldedDifferences = (s: Scenarios): string[] =>
  s.judged.flatMap((j) =>
    j.cells.flatMap((c) => (c.difference ? [`${j.parsed.scenario.name} ${c.design} ${c.preset}: ${describeDifference(c.difference)}`] : [])),
  );

function matrixText(m: Matrix, s: Scenarios): string {
  const names = [...m.rows.map((r) => r.property), ...s.judged.map((j) => j.parsed.scenario.name)];
  const nameW = Math.max(...names.map((n) => n.length)) + 1;
  const perBlock = Math.max(1, Math.floor((WIDTH - nameW) / CELL));
  const lines = [...howLines(m)];
  const byDesign = designs.map((d, di) => ({
    d,
    letter: String.fromCharCode(65 + di),
    cols: m.columns.flatMap((c, i) => (c.design.id === d.id ? [i] : [])),
  }));
  for (const { d, letter, cols } of byDesign) {
    for (let start = 0; start < cols.length; start += perBlock) {
      const chunk = cols.slice(start, start + perBlock);
      const code = (i: number) => `${letter}${cols.indexOf(i) + 1}`;
      lines.push('', `${d.id.padEnd(nameW)}${chunk.map((i) => cell(code(i), true)).join('')}`.trimEnd());
      for (const r of m.rows)
        lines.push(`${r.property.padEnd(nameW)}${chunk.map((i) => cell(r.cells[i]!.verdict, !r.cells[i]!.expected || r.cells[i]!.expected === r.cells[i]!.verdict)).join('')}`.trimEnd());
      const judged = s.judged.filter((j) => chunk.some((i) => cellAt(m, j, i)));
      for (const j of judged)
        lines.push(
          `${j.parsed.scenario.name.padEnd(nameW)}${chunk
            .map((i) => {
              const c = cellAt(m, j, i);
              return c ? cell(outcomeCode(c.outcome), c.met) : cell('.', true);
            })
            .join('')}`.trimEnd(),
        );
      const legend = chunk.map((i, k) => {
        const c = m.columns[i]!;
        const states = c.states === undefined ? '' : ` (${c.states} states)`;
        return `${code(i)} ${c.preset}${states}${k < chunk.length - 1 ? ',' : ''}`;
      });
      lines.push(...foldUnits('', legend.flatMap((l) => l.split(' ')), { indent: 3 }));
    }
  }
  const cells = m.rows.flatMap((r) => r.cells);
  const unmet = cells.filter((c) => c.expected && c.expected !== c.verdict).length;
  const scenarioCells = s.judged.reduce((n, j) => n + j.cells.length, 0);
  const differing = s.judged.reduce((n, j) => n + j.cells.filter((c) => !c.met).length, 0);
  lines.push(
    '',
    ...foldUnits('scenario cells: violates', legendEntries(['safety', 'liveness']), { indent: 4 }),
    ...foldUnits('  witnesses', legendEntries(['capability']), { indent: 4 }),
    "  -: neither  .: not judged there",
    "*: differs from properties/expected.ts or from the scenario's file",
    `${cells.length - unmet} of ${cells.length} property cells as expected${unmet === 0 ? '' : `, ${unmet} differ`}`,
  );
  if (s.judged.length > 0)
    lines.push(`${s.judged.length} scenarios, ${scenarioCells} cells: ${differing === 0 ? 'all as stated' : `${differing} differ`}`);
  lines.push(...unfoldedDifferences(s).flatMap((line) => foldUnits('', line.split(' '), { indent: 4 })));
  return lines.join('\n') + '\n';
}

function matrixMarkdown(m: Matrix, s: Scenarios): string {
  const columns = m.columns.map((c) => `${c.design.id}<br>${c.preset}`);
  const head = `| property | kind | ${columns.join(' | ')} |`;
  const rule = `|---|---|${m.columns.map(() => '---').join('|')}|`;
  const rows = m.rows.map(
    (r) => `| \`${r.property}\` | ${r.kind} | ${r.cells.map((c) => c.verdict + (c.expected && c.expected !== c.verdict ? ' (!)' : '')).join(' | ')} |`,
  );
  const out = [head, rule, ...rows, '', howLines(m).join(' ')];
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
      ...(unfoldedDifferences(s).length === 0 ? [] : ['', ...unfoldedDifferences(s).map((l) => `* ${l}`)]),
    );
  }
  return out.join('\n') + '\n';
}

const outcomeJson = (o: ScenarioOutcome) => ({ returns: o.returns, violates: o.violates, witnesses: o.witnesses });

function matrixJson(m: Matrix, s: Scenarios) {
  return {
    ...m.how,
    world: m.world,
    columns: m.columns.map((c) => ({ design: c.design.id, preset: c.preset, ...(c.states === undefined ? {} : { states: c.states }) })),
    rows: m.rows.map((r) => ({
      property: r.property,
      kind: r.kind,
      cells: r.cells.map((c, i) => ({
        design: m.columns[i]!.design.id,
        preset: m.columns[i]!.preset,
        verdict: c.verdict,
        expected: c.expected ?? null,
        ...(c.finding ? { length: c.finding.steps.length } : {}),
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

interface MatrixFlags {
  markdown?: boolean;
  json?: boolean;
  random?: boolean;
  runs?: string;
  seed?: string;
  world?: string;
  scenarios?: string;
}

export function registerMatrix(program: Command, ctx: Ctx): void {
  program
    .command('matrix')
    .description(
      'properties x design/preset, proven by the complete search of a world, and the scenarios; exit 1 if a cell differs from the table or a scenario from its file',
    )
    .option('--markdown', 'a markdown table')
    .option('--json', 'machine-readable output')
    .option('--world <name|file>', 'a world of worlds/ or a world file (default: the default world)')
    .option('--random', 'the random search instead of the complete one (for worlds too big to search to the end)')
    .option('--runs <n>', `with --random: sequences per column (default ${defaultRuns})`)
    .option('--seed <n>', 'with --random: the fast-check seed')
    .option('--scenarios <dir>', 'directory of scenario files (default: the scenarios/ of this package)')
    .action((flags: MatrixFlags) => {
      if (flags.markdown && flags.json) usage('--markdown and --json exclude each other');
      if (!flags.random && (flags.runs !== undefined || flags.seed !== undefined)) usage(`${flags.runs !== undefined ? '--runs' : '--seed'}: only with --random`);
      const how: MatrixSearch = flags.random
        ? { search: 'random', runs: intOption('--runs', flags.runs, defaultRuns, 1, maxRuns), seed: seedOption(flags.seed, defaultSeed()) }
        : { search: 'complete' };
      const world = worldOption(flags.world);
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
      const m = computeMatrix(designs, how, world, (p) =>
        status.report(
          () => `matrix ${p.column.design.id} ${p.column.preset} (${p.index + 1}/${p.columns})${p.random ? `: ${searchProgress(p.random)}` : ''}`,
        ),
      );
      status.clear();
      const s = { judged };
      ctx.io.out(flags.json ? JSON.stringify(matrixJson(m, s), null, 2) + '\n' : flags.markdown ? matrixMarkdown(m, s) : matrixText(m, s));
      ctx.exit(matrixMet(m) && judged.every((j) => j.met) ? 0 : 1);
    });
}
