// p2pmodel explore: random search of one design/preset, judged against
// the expected table; counterexamples and witnesses as traces.
import type { Command } from 'commander';
import { callLabel } from '../model/calls.js';
import { designs } from '../model/designs.js';
import { actionKinds } from '../model/vocabulary.js';
import { expectationOf } from '../properties/expected.js';
import { type ExploreResult, explore, PathError } from '../properties/explore.js';
import { fold, foldUnits } from '../trace/layout.js';
import { printTrace } from '../trace/print.js';
import { traceFromResult } from '../trace/trace.js';
import type { Ctx } from './context.js';
import { usage } from './errors.js';
import { collect, designOption, intOption, knobOptions, presetOption, propertyOptions, seedOption, worldOption } from './options.js';
import { searchProgress, statusLine } from './progress.js';
import { defaultRuns, defaultSeed, fixedSeed, maxRuns } from '../properties/defaults.js';

interface ExploreFlags {
  design?: string;
  preset?: string;
  knob: string[];
  property: string[];
  runs?: string;
  seed?: string;
  path?: string;
  world?: string;
  json?: boolean;
}

/** Each result beside its expectation; `met` is what the exit code reports. */
function judged(run: ExploreResult) {
  return run.results.map((r) => {
    const expected = expectationOf(run.design.id, run.preset, r.property);
    return { ...r, expected, met: expected === undefined || expected.verdict === r.verdict };
  });
}

/** Steps the search pass took per call (as a trace names it), in vocabulary order; empty when `--path` skipped it. */
const coverageOf = (run: ExploreResult): [string, number][] =>
  run.coverage.size === 0 ? [] : actionKinds.map((k) => [callLabel(k), run.coverage.get(k) ?? 0]);

/** What the search exercised: a `holds` over actions never taken says little about them. */
function coverageLines(run: ExploreResult): string[] {
  const counts = coverageOf(run);
  if (counts.length === 0) return [];
  const never = counts.filter(([, n]) => n === 0).map(([k]) => k);
  return [
    '',
    ...foldUnits('  steps taken, per call:', counts.filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`), { indent: 4 }),
    ...(never.length === 0 ? [] : foldUnits('  never enabled:', never, { indent: 4 })),
  ];
}

function exploreJson(run: ExploreResult) {
  return {
    design: run.design.id,
    preset: run.preset,
    knobs: run.knobs,
    seed: run.seed,
    ...(run.coverage.size === 0 ? {} : { coverage: Object.fromEntries(coverageOf(run)) }),
    results: judged(run).map((r) => {
      const trace = traceFromResult(run, r);
      return {
        property: r.property,
        kind: r.kind,
        verdict: r.verdict,
        runs: r.runs,
        expected: r.expected?.verdict ?? null,
        ...(trace ? { detail: r.finding?.detail, path: r.path, trace: printTrace(trace) } : {}),
      };
    }),
  };
}

function exploreText(run: ExploreResult): string {
  const overrides = Object.entries(run.overrides).map(([k, v]) => ` ${k}=${v}`).join('');
  const rows = judged(run);
  const runs = rows[0]?.runs ?? 0;
  const lines = [
    ...fold(run.design.id, `preset ${run.preset}${overrides}${run.worldArg === undefined ? '' : `, world ${run.worldArg}`}: seed ${run.seed}, ${runs} runs`, { indent: 2 }),
    ...fold('', `Random search: holds and never mean no counterexample or witness in ${runs} runs; p2pmodel check proves them for a world.`, { indent: 0 }),
    '',
  ];
  for (const r of rows) {
    const line = `  ${r.property.padEnd(24)} ${r.kind.padEnd(10)} ${r.verdict}`;
    const note = r.expected ? (r.met ? '' : `UNEXPECTED (expected ${r.expected.verdict})`) : '(no expectation)';
    // within 72 columns: the note on a line of its own when it does not fit
    if (note === '') lines.push(line);
    else if (line.length + 2 + note.length <= 72) lines.push(`${line}  ${note}`);
    else lines.push(line, `    ${note}`);
  }
  lines.push(...coverageLines(run));
  for (const r of rows) {
    const trace = traceFromResult(run, r);
    if (trace) lines.push('', printTrace(trace).trimEnd());
  }
  return lines.join('\n') + '\n';
}

export function registerExplore(program: Command, ctx: Ctx): void {
  program
    .command('explore')
    .description('random search of one design/preset; exit 1 if a verdict differs from the expected table')
    .option('--design <id>', `one of ${designs.map((d) => d.id).join(', ')}`)
    .option('--preset <name>', 'knob preset (default: the design\'s first)')
    .option('--knob <name=value>', 'override one knob (repeatable)', collect, [])
    .option('--property <id>', 'judge only this property (repeatable)', collect, [])
    .option('--runs <n>', `sequences to run (default ${defaultRuns})`)
    .option('--seed <n>', `fast-check seed, 0 to 2^32-1 (default ${fixedSeed}, or random with P2P_RANDOM_SEED=1)`)
    .option('--path <path>', 'fast-check path of a counterexample to rerun (needs one --property)')
    .option('--world <name|file>', 'a world of worlds/ or a world file (default: the default world)')
    .option('--json', 'machine-readable output')
    .action((flags: ExploreFlags) => {
      const design = designOption(flags.design);
      const preset = presetOption(design, flags.preset);
      const overrides = knobOptions(design, flags.knob);
      const properties = propertyOptions(flags.property);
      if (flags.path !== undefined && properties?.length !== 1) usage('--path: needs exactly one --property');
      if (flags.path !== undefined && !/^\d+(:\d+)*$/.test(flags.path)) usage(`--path: malformed path '${flags.path}'`);
      const runs = intOption('--runs', flags.runs, defaultRuns, 1, maxRuns);
      const seed = seedOption(flags.seed, defaultSeed());
      const world = worldOption(flags.world);
      const status = statusLine(ctx.io);
      let run: ExploreResult;
      try {
        run = explore({
          design,
          preset: preset.name,
          overrides,
          ...(properties ? { properties } : {}),
          runs,
          seed,
          config: world.config,
          worldArg: flags.world,
          ...(flags.path !== undefined ? { path: flags.path } : {}),
          onProgress: (p) => status.report(() => `explore ${design.id} ${preset.name}: ${searchProgress(p)}`),
        });
      } catch (err) {
        if (!(err instanceof PathError)) throw err;
        usage(`--path: ${err.path} is not the path of a run with --seed ${seed} --runs ${runs} (copy it from a trace's Reproduce: line)`);
      } finally {
        status.clear();
      }
      ctx.io.out(flags.json ? JSON.stringify(exploreJson(run), null, 2) + '\n' : exploreText(run));
      ctx.exit(judged(run).every((r) => r.met) ? 0 : 1);
    });
}
