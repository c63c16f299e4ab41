// p2pmodel check: bounded exhaustive search, herd7-style observation lines,
// the shortest trace for every violation or witness.
import type { Command } from 'commander';
import { resolveKnobs } from '../model/design.js';
import { defaultConfig } from '../model/vocabulary.js';
import { findProperty } from '../properties/catalogue.js';
import { type CheckResult, checkExhaustive } from '../properties/exhaustive.js';
import { expectationOf } from '../properties/expected.js';
import { printTrace } from '../trace/print.js';
import type { Trace } from '../trace/trace.js';
import type { Ctx } from './context.js';
import { usage } from './errors.js';
import { collect, designOption, intOption, knobOptions, presetOption } from './options.js';
import { statusLine } from './progress.js';

interface CheckFlags {
  design?: string;
  preset?: string;
  knob: string[];
  depth?: string;
  maxStates?: string;
  symmetry: boolean;
  json?: boolean;
}

const defaultMaxStates = 2_000_000;

export function registerCheck(program: Command, ctx: Ctx): void {
  program
    .command('check')
    .description('exhaustive breadth-first search to a depth; shortest counterexamples; exit 1 if a verdict differs from the table')
    .option('--design <id>', 'struct-page or vma-p2p')
    .option('--preset <name>', "knob preset (default: the design's first)")
    .option('--knob <name=value>', 'override one knob (repeatable)', collect, [])
    .option('--depth <n>', 'steps from the initial state (required)')
    .option('--max-states <n>', `memory bound: stop past this many distinct states (default ${defaultMaxStates})`)
    .option('--no-symmetry', 'do not merge states that differ only by process order or entity ids')
    .option('--json', 'machine-readable output')
    .action((flags: CheckFlags) => {
      const design = designOption(flags.design);
      const preset = presetOption(design, flags.preset);
      const overrides = knobOptions(design, flags.knob);
      if (flags.depth === undefined) usage('--depth is required');
      const depth = intOption('--depth', flags.depth, 0, 1);
      const maxStates = intOption('--max-states', flags.maxStates, defaultMaxStates, 1);
      const knobs = resolveKnobs(design, preset, overrides);
      const status = statusLine(ctx.io);
      const result = checkExhaustive(design, defaultConfig, knobs, {
        depth,
        symmetry: flags.symmetry,
        maxStates,
        onProgress: (p) =>
          status.report(() => `check ${design.id} ${preset.name}: depth ${p.depth}/${depth}, states ${p.states}, transitions ${p.transitions}`),
      });
      status.clear();
      const rows = result.results.map((r) => {
        const expected = expectationOf(design.id, preset.name, r.property)?.verdict;
        const trace: Trace | undefined = r.finding && {
          design: design.id,
          preset: preset.name,
          overrides,
          config: defaultConfig,
          property: r.property,
          verdict: r.verdict,
          detail: r.finding.detail,
          steps: r.finding.steps,
          links: findProperty(r.property)?.links ?? [],
          command: `p2pmodel check --design ${design.id} --preset ${preset.name}${knobArgs(overrides)} --depth ${depth}`,
        };
        return { ...r, expected, met: expected === undefined || expected === r.verdict, trace };
      });
      const met = result.complete && rows.every((r) => r.met);
      ctx.io.out(
        flags.json
          ? JSON.stringify(
              {
                design: design.id,
                preset: preset.name,
                knobs,
                symmetry: flags.symmetry,
                states: result.states,
                transitions: result.transitions,
                depth: result.depth,
                complete: result.complete,
                results: rows.map((r) => ({
                  property: r.property,
                  kind: r.kind,
                  verdict: r.verdict,
                  expected: r.expected ?? null,
                  ...(r.trace ? { length: r.trace.steps.length, detail: r.trace.detail, trace: printTrace(r.trace) } : {}),
                })),
              },
              null,
              2,
            ) + '\n'
          : text(design.id, preset.name, overrides, flags.symmetry, result, rows),
      );
      // timing goes to stderr so that stdout is the same for the same search
      const rate = Math.round(result.states / Math.max(result.seconds, 1e-9));
      ctx.io.err(`check: ${result.seconds.toFixed(2)} s, ${rate} states/s\n`);
      ctx.exit(met ? 0 : 1);
    });
}

const knobArgs = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => ` --knob ${k}=${v}`).join('');

function text(
  design: string,
  preset: string,
  overrides: Record<string, string>,
  symmetry: boolean,
  r: CheckResult,
  rows: readonly { property: string; verdict: string; expected?: string | undefined; met: boolean; trace?: Trace | undefined }[],
): string {
  const lines = [
    `Check ${design} ${preset}${knobArgs(overrides)} depth ${r.depth}${r.complete ? '' : ' (INCOMPLETE: memory bound hit)'}`,
    `States ${r.states} Transitions ${r.transitions} symmetry ${symmetry ? 'on' : 'off'}`,
  ];
  for (const row of rows) {
    const shortest = row.trace ? ` shortest ${row.trace.steps.length}` : '';
    const note = row.met ? '' : `  UNEXPECTED (expected ${row.expected})`;
    lines.push(`Observation ${row.property.padEnd(24)} ${row.verdict}${shortest}${note}`);
  }
  for (const row of rows) if (row.trace) lines.push('', printTrace(row.trace).trimEnd());
  return lines.join('\n') + '\n';
}
