// p2pmodel replay FILE|- [--json|--fill] [--verbose] [--design D]
// [--preset P] [--knob k=v]... [--world W]: run every trace and scenario
// in a file again and say whether every stated return and verdict
// reproduce (exit 0) or not (exit 1); a malformed one is
// `FILE:LINE: expected ...`, exit 2. --fill prints them with every
// return and verdict as the model gives them, ready to cite.
import type { Command } from 'commander';
import type { Design, Knobs, PresetSpec } from '../model/design.js';
import { findDesign } from '../model/designs.js';
import type { Config, Ret } from '../model/vocabulary.js';
import { type OutcomeBlock, type ParsedScenario, printScenario, type Scenario } from '../scenarios/format.js';
import type { ParsedTrace } from '../trace/parse.js';
import { fold } from '../trace/layout.js';
import { printTrace } from '../trace/print.js';
import { fill, notAsStated, outcomeOf, type Replay, replay, replayJson, replayText, retarget, whereOf } from '../trace/replay.js';
import { UNKNOWN, type Trace } from '../trace/trace.js';
import type { Ctx } from './context.js';
import { noTrace, readDocuments } from './documents.js';
import { usage } from './errors.js';
import { collect, designOption, knobOptions, presetOption, worldOption } from './options.js';

/** The steps of a scenario stated as a trace on one design/preset, returns unknown unless given. */
function scenarioTrace(s: Scenario, design: Design, preset: PresetSpec, overrides: Knobs, returns?: readonly Ret[]): Trace {
  return {
    design: design.id,
    preset: preset.name,
    overrides,
    config: s.config,
    detail: '',
    steps: s.steps.map((action, i) => ({ action, ret: returns?.[i] ?? UNKNOWN })),
    links: s.links,
    command: '',
  };
}

interface ReplayFlags {
  json?: boolean;
  verbose?: boolean;
  fill?: boolean;
  design?: string;
  preset?: string;
  knob: string[];
  world?: string;
}

/** One replay of a document: a trace, or one Outcome: of a scenario. */
interface Replayed {
  readonly replay: Replay;
  readonly heading: string;
  readonly json: Record<string, unknown>;
}

/** A heading's note of the world --world names instead of the trace's own. */
const worldNote = (flags: ReplayFlags) => (flags.world === undefined ? '' : `, world ${flags.world}`);

/** Where --design/--preset/--knob move a trace of `design`; undefined when they are not given. */
function targetOf(flags: ReplayFlags, design: Design) {
  if (flags.design === undefined && flags.preset === undefined && flags.knob.length === 0) return undefined;
  const to = flags.design === undefined ? design : designOption(flags.design);
  return {
    ...(flags.design === undefined ? {} : { design: to }),
    ...(flags.preset === undefined ? {} : { preset: presetOption(to, flags.preset) }),
    ...(flags.knob.length === 0 ? {} : { knobs: knobOptions(to, flags.knob) }),
  };
}

function replayTrace(parsed: ParsedTrace, flags: ReplayFlags, name: string, lineNote: string): { run: Replayed; filled: string } {
  const written = parsed.trace;
  const target = targetOf(flags, findDesign(written.design)!);
  const t = target ? retarget(written, target) : written;
  const r = replay({ trace: t, lines: parsed.lines }, { verbose: Boolean(flags.verbose) });
  const moved = whereOf(t) !== whereOf(written) ? ` (the trace says ${whereOf(written)})` : '';
  const heading = `replay ${name}${lineNote}: ${whereOf(t)}${worldNote(flags)}, ${t.property ?? 'every property'}${moved}`;
  const json = { kind: 'trace', line: parsed.lines.header, scenario: null, ...replayJson(r, { design: written.design, preset: written.preset, overrides: written.overrides }) };
  return { run: { replay: r, heading, json }, filled: printTrace(fill(r)) };
}

/** Where a scenario runs: a design/preset (with knobs), what the file states there if anything, and the line to name. */
interface ScenarioColumn {
  readonly design: Design;
  readonly preset: PresetSpec;
  readonly overrides: Knobs;
  readonly expectation: OutcomeBlock | undefined;
  readonly line: number;
}

/** Every Outcome: of the file, or the one design/preset --design, --preset and --knob name. */
function scenarioColumns(parsed: ParsedScenario, flags: ReplayFlags, target: Design | undefined): ScenarioColumn[] {
  const stated = parsed.scenario.expectations.map((e, i): ScenarioColumn => {
    const design = findDesign(e.design)!;
    return { design, preset: design.presets.find((p) => p.name === e.preset)!, overrides: {}, expectation: e, line: parsed.lines.expectations[i]! };
  });
  if (!target) return stated;
  const preset = presetOption(target, flags.preset);
  const overrides = knobOptions(target, flags.knob);
  // with knobs the file's Outcome: for that preset no longer applies
  const same = flags.knob.length === 0 ? stated.find((c) => c.design === target && c.preset === preset) : undefined;
  return [{ design: target, preset, overrides, expectation: same?.expectation, line: same?.line ?? parsed.lines.header }];
}

/** A scenario: each Outcome: judged, or only the one --design/--preset name (stated returns if the file has that Outcome:). */
function replayScenario(parsed: ParsedScenario, flags: ReplayFlags, name: string, lineNote: string): { runs: Replayed[]; filled: string } {
  const s = parsed.scenario;
  const where = `${name}, line ${parsed.lines.header}`;
  if ((flags.preset !== undefined || flags.knob.length > 0) && flags.design === undefined) usage(`--preset and --knob need --design for a scenario (${where})`);
  if (flags.fill && flags.knob.length > 0) usage(`--fill with --knob: a scenario's Outcome: names a preset, not knobs (${where})`);
  const target = flags.design === undefined ? undefined : designOption(flags.design);
  const columns = scenarioColumns(parsed, flags, target);
  const runs = columns.map((c): Replayed => {
    const stated = c.expectation?.outcome;
    const t = scenarioTrace(s, c.design, c.preset, c.overrides, stated?.returns);
    const r = replay(
      { trace: t, lines: { header: c.line, result: null, steps: parsed.lines.steps } },
      { verbose: Boolean(flags.verbose), ...(stated ? { outcome: { violates: stated.violates, witnesses: stated.witnesses } } : {}) },
    );
    const heading = `replay ${name}${lineNote}: scenario ${s.name} on ${whereOf(t)}${worldNote(flags)}`;
    const json = { kind: 'scenario', line: c.line, scenario: s.name, ...replayJson(r, { design: t.design, preset: t.preset, overrides: {} }) };
    return { replay: r, heading, json };
  });
  // --fill: every Outcome: as the model gives it now, notes kept; a new one for a target the file lacks
  const now = columns.map((c, i) => {
    const r = runs[i]!.replay;
    const judged = r.outcome?.now ?? outcomeOf(r.observations);
    return {
      design: c.design.id,
      preset: c.preset.name,
      outcome: { returns: r.steps.map((st) => st.now), violates: judged.violates, witnesses: judged.witnesses },
      ...(c.expectation?.note === undefined ? {} : { note: c.expectation.note }),
    };
  });
  const expectations = target ? [...s.expectations.filter((e) => !now.some((x) => x.design === e.design && x.preset === e.preset)), ...now] : now;
  return { runs, filled: printScenario({ ...s, expectations }) };
}

export function registerReplay(program: Command, ctx: Ctx): void {
  program
    .command('replay')
    .description('replay every trace and scenario in a file (or - for stdin); exit 1 if a return value or a verdict differs')
    .argument('<file>', 'trace or scenario file, or - for standard input (mail quoting is fine)')
    .option('--json', 'machine-readable output')
    .option('--verbose', 'after each step, show what changed in the decoded design state')
    .option('--fill', 'print the traces with every return and verdict as the model gives them (? included)')
    .option('--design <id>', "replay on this design instead of the trace's")
    .option('--preset <name>', "replay on this preset (default with --design: the design's first)")
    .option('--knob <name=value>', 'override one knob (repeatable)', collect, [])
    .option('--world <name|file>', 'read the steps in this world instead of the trace\'s config')
    .action(async (file: string, flags: ReplayFlags) => {
      if (flags.fill && (flags.json || flags.verbose)) usage('--fill prints traces: not with --json or --verbose');
      // options before input: a bad --design is named whatever the file holds
      if (flags.design !== undefined) targetOf(flags, designOption(flags.design));
      const world: Config | undefined = flags.world === undefined ? undefined : worldOption(flags.world).config;
      const { name, documents } = await readDocuments(ctx, file, world ? { world } : {});
      const several = documents.length > 1;
      const runs: Replayed[] = [];
      const filled: string[] = [];
      for (const d of documents) {
        const lineNote = several ? ` (line ${d.parsed.lines.header})` : '';
        if (d.kind === 'trace') {
          const one = replayTrace(d.parsed, flags, name, lineNote);
          runs.push(one.run);
          filled.push(one.filled);
        } else {
          const some = replayScenario(d.parsed, flags, name, lineNote);
          runs.push(...some.runs);
          filled.push(some.filled);
        }
      }
      const reproduced = runs.every((r) => r.replay.reproduced);
      if (flags.fill) {
        ctx.io.out(filled.join('\n'));
        // the filled traces say what the model gives; what was stated otherwise goes to stderr
        for (const r of runs) if (!r.replay.reproduced) ctx.io.err(`${fold('', `${r.heading}: not as stated: ${notAsStated(r.replay)}`, { indent: 2 }).join('\n')}\n`);
      }
      else if (flags.json) ctx.io.out(JSON.stringify({ file: name, reproduced, traces: runs.map((r) => r.json) }, null, 2) + '\n');
      else if (runs.length === 0) ctx.io.out(noTrace('replay', name));
      else ctx.io.out(runs.map((r) => replayText(r.replay, r.heading)).join('\n') + summary(runs));
      ctx.exit(reproduced ? 0 : 1);
    });
}

/** For several replays, one line: how many reproduced, and the lines of those that did not. */
function summary(runs: readonly Replayed[]): string {
  if (runs.length < 2) return '';
  const bad = runs.filter((r) => !r.replay.reproduced).map((r) => r.json.line as number);
  const where = bad.length === 0 ? '' : `: line${bad.length > 1 ? 's' : ''} ${[...new Set(bad)].join(', ')}`;
  return `\nReplayed ${runs.length}: ${runs.length - bad.length} reproduced, ${bad.length} not${where}\n`;
}
