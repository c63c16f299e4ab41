// p2pmodel check: the complete search of one world, TLC-style: it runs
// until no new state appears and says `complete:`; a holds line is then
// a proof for that world. --depth and --max-states stop it early, and
// then nothing is claimed beyond what was searched. herd7-style
// Observation lines, the shortest trace for every violation or witness.
import type { Command } from 'commander';
import { resolveKnobs } from '../model/design.js';
import { designs } from '../model/designs.js';
import { linksFor } from '../properties/catalogue.js';
import { type CheckResult, checkExhaustive } from '../properties/exhaustive.js';
import { expectationOf } from '../properties/expected.js';
import type { Verdict } from '../properties/explore.js';
import { fold, foldUnits } from '../trace/layout.js';
import { printTrace } from '../trace/print.js';
import { knobFlags, type Trace } from '../trace/trace.js';
import type { Ctx } from './context.js';
import { collect, designOption, intOption, knobOptions, presetOption, worldOption } from './options.js';
import { statusLine } from './progress.js';

interface CheckFlags {
  design?: string;
  preset?: string;
  knob: string[];
  world?: string;
  depth?: string;
  maxStates?: string;
  symmetry: boolean;
  json?: boolean;
}

const defaultMaxStates = 20_000_000;

/** How far an incomplete search went, for its Observation lines. */
const bound = (r: CheckResult) => (r.stoppedBy === 'depth' ? `within depth ${r.diameter}` : `within ${r.states} states`);

/** An Observation's words: a bare holds/never only for a complete search. */
function observed(r: CheckResult, verdict: Verdict, found: boolean): string {
  if (found || r.complete) return r.complete && !found ? `${verdict} in all ${r.states} reachable states` : verdict;
  return verdict === 'holds' ? `no violation ${bound(r)} (incomplete)` : `not witnessed ${bound(r)} (incomplete)`;
}

export function registerCheck(program: Command, ctx: Ctx): void {
  program
    .command('check')
    .description(
      'complete search of a world: every reachable state, shortest counterexamples; exit 1 if a verdict differs from the table',
    )
    .option('--design <id>', `one of ${designs.map((d) => d.id).join(', ')}`)
    .option('--preset <name>', "knob preset (default: the design's first)")
    .option('--knob <name=value>', 'override one knob (repeatable)', collect, [])
    .option('--world <name|file>', 'a world of worlds/ or a world file (default: the default world)')
    .option('--depth <n>', 'stop after n steps from the initial state (the search is then incomplete)')
    .option('--max-states <n>', `stop past n distinct states (default ${defaultMaxStates}; the search is then incomplete)`)
    .option('--no-symmetry', 'do not merge states that differ only by process order or entity slots')
    .option('--json', 'machine-readable output')
    .action((flags: CheckFlags) => {
      const design = designOption(flags.design);
      const preset = presetOption(design, flags.preset);
      const overrides = knobOptions(design, flags.knob);
      const world = worldOption(flags.world);
      const depth = flags.depth === undefined ? undefined : intOption('--depth', flags.depth, 0, 1);
      const maxStates = intOption('--max-states', flags.maxStates, defaultMaxStates, 1);
      const knobs = resolveKnobs(design, preset, overrides);
      const status = statusLine(ctx.io);
      const result = checkExhaustive(design, world.config, knobs, {
        ...(depth === undefined ? {} : { depth }),
        symmetry: flags.symmetry,
        maxStates,
        onProgress: (p) => status.report(() => `check ${design.id} ${preset.name}: depth ${p.depth}, states ${p.states}, transitions ${p.transitions}`),
      });
      status.clear();
      const worldArg = flags.world === undefined ? '' : ` --world ${flags.world}`;
      const bounds = `${depth === undefined ? '' : ` --depth ${depth}`}${flags.maxStates === undefined ? '' : ` --max-states ${maxStates}`}`;
      const rows = result.results.map((r) => {
        const expected = expectationOf(design.id, preset.name, r.property)?.verdict;
        const trace: Trace | undefined = r.finding && {
          design: design.id,
          preset: preset.name,
          overrides,
          config: world.config,
          property: r.property,
          verdict: r.verdict,
          detail: r.finding.detail,
          steps: r.finding.steps,
          links: linksFor(r.property, design.id),
          command: `npx p2pmodel check --design ${design.id} --preset ${preset.name}${knobFlags(overrides)}${worldArg}${bounds}`,
        };
        // an incomplete search can confirm what it found, never what it did not
        const met = expected === undefined || (r.finding ? expected === r.verdict : result.complete ? expected === r.verdict : expected === 'holds' || expected === 'never');
        return { ...r, expected, met, trace };
      });
      const met = rows.every((r) => r.met);
      ctx.io.out(
        flags.json
          ? JSON.stringify(
              {
                design: design.id,
                preset: preset.name,
                knobs,
                world: world.name,
                symmetry: flags.symmetry,
                complete: result.complete,
                stoppedBy: result.stoppedBy,
                states: result.states,
                transitions: result.transitions,
                diameter: result.diameter,
                results: rows.map((r) => ({
                  property: r.property,
                  kind: r.kind,
                  verdict: r.finding || result.complete ? r.verdict : null,
                  expected: r.expected ?? null,
                  ...(r.trace ? { length: r.trace.steps.length, detail: r.trace.detail, trace: printTrace(r.trace) } : {}),
                })),
              },
              null,
              2,
            ) + '\n'
          : text(design.id, preset.name, overrides, world.name, flags.symmetry, result, rows),
      );
      // timing goes to stderr so that stdout is the same for the same search
      const rate = Math.round(result.states / Math.max(result.seconds, 1e-9));
      ctx.io.err(`check: ${result.seconds.toFixed(2)} s, ${rate} states/s, ${Math.round(result.bytesPerState)} bytes/state\n`);
      ctx.exit(met ? 0 : 1);
    });
}


function text(
  design: string,
  preset: string,
  overrides: Record<string, string>,
  world: string,
  symmetry: boolean,
  r: CheckResult,
  rows: readonly { property: string; verdict: Verdict; expected?: Verdict | undefined; met: boolean; trace?: Trace | undefined }[],
): string {
  const stopped = r.stoppedBy === 'depth' ? `--depth ${r.diameter}` : '--max-states';
  const lines = [
    ...foldUnits('Check', [design, preset, ...Object.entries(overrides).map(([k, v]) => `--knob ${k}=${v}`), `world ${world}`, `symmetry ${symmetry ? 'on' : 'off'}`], { indent: 2 }),
    ...fold(
      r.complete ? 'complete:' : `incomplete (stopped by ${stopped}):`,
      `${r.states} states, ${r.transitions} transitions, ${r.complete ? 'diameter' : 'depth'} ${r.diameter}`,
      { indent: 2 },
    ),
  ];
  for (const row of rows) {
    const shortest = row.trace ? ` shortest ${row.trace.steps.length}` : '';
    const said = `${observed(r, row.verdict, row.trace !== undefined)}${shortest}`;
    const note = row.met ? [] : [`UNEXPECTED (expected ${row.expected})`];
    const line = [`Observation ${row.property.padEnd(22)} ${said}`, ...note].join('  ');
    // within 72 columns: what was observed on lines of its own when it does not fit
    lines.push(...(line.length <= 72 ? [line] : [`Observation ${row.property}`, ...[said, ...note].map((l) => `    ${l}`)]));
  }
  for (const row of rows) if (row.trace) lines.push('', printTrace(row.trace).trimEnd());
  return lines.join('\n') + '\n';
}
