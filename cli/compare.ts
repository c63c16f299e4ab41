// p2pmodel compare FILE|- [--design D[/P]]... [--world W] [--json]: the
// steps of every trace and scenario in a file, run on several designs
// and presets (all of them by default), returns and verdicts side by
// side. It judges nothing stated: exit 0, or 2 for bad input.
import { type Command, Option } from 'commander';
import { designs } from '../model/designs.js';
import { allColumns, type Column, compare, compareJson, compareText } from '../trace/compare.js';
import type { Ctx } from './context.js';
import { usage } from './errors.js';
import { collect, designOption, presetOption, worldOption } from './options.js';
import { noTrace, readDocuments } from './documents.js';

/** `--design D` (every preset of D) or `D/P`, in the order given, each column once. */
function columnsOf(specs: readonly string[]): Column[] {
  if (specs.length === 0) return allColumns();
  const out: Column[] = [];
  for (const spec of specs) {
    const parts = spec.split('/');
    if (parts.length > 2) usage(`--design: expected a design or design/preset, got '${spec}'`);
    const [id, presetName] = parts as [string, string | undefined];
    const design = designOption(id);
    const presets = presetName === undefined ? design.presets : [presetOption(design, presetName, '--design')];
    for (const preset of presets) if (!out.some((c) => c.design === design && c.preset === preset)) out.push({ design, preset });
  }
  return out;
}

export function registerCompare(program: Command, ctx: Ctx): void {
  program
    .command('compare')
    .description('run the steps of every trace and scenario in a file (or - for stdin) on several designs and presets, side by side')
    .argument('<file>', 'trace or scenario file, or - for standard input (mail quoting is fine)')
    .addOption(
      new Option('--design <id[/preset]>', 'a design (all its presets) or one preset of it (repeatable)')
        .argParser(collect)
        .default([], `every preset of ${designs.map((d) => d.id).join(', ')}`),
    )
    .option('--world <name|file>', "read the steps in this world instead of the trace's config")
    .option('--json', 'machine-readable output')
    .action(async (file: string, flags: { design: string[]; world?: string; json?: boolean }) => {
      const columns = columnsOf(flags.design);
      const world = flags.world === undefined ? undefined : worldOption(flags.world).config;
      const { name, documents } = await readDocuments(ctx, file, world ? { world } : {});
      const several = documents.length > 1;
      const entries = documents.map((d) => {
        const { config, actions, what } =
          d.kind === 'trace'
            ? { config: d.parsed.trace.config, actions: d.parsed.trace.steps.map((s) => s.action), what: `the steps of a ${d.parsed.trace.design} ${d.parsed.trace.preset} trace` }
            : { config: d.parsed.scenario.config, actions: d.parsed.scenario.steps, what: `scenario ${d.parsed.scenario.name}` };
        const compared = compare(config, actions, columns);
        const line = d.parsed.lines.header;
        const inWorld = flags.world === undefined ? '' : ` in world ${flags.world}`;
        const heading = `compare ${name}${several ? ` (line ${line})` : ''}: ${what}, ${actions.length} step${actions.length === 1 ? '' : 's'} on ${columns.length} preset${columns.length === 1 ? '' : 's'}${inWorld}`;
        return {
          text: compareText(heading, config, actions, compared),
          json: { kind: d.kind, line, scenario: d.kind === 'scenario' ? d.parsed.scenario.name : null, ...compareJson(config, actions, d.parsed.lines.steps, compared) },
        };
      });
      if (flags.json) ctx.io.out(JSON.stringify({ file: name, traces: entries.map((e) => e.json) }, null, 2) + '\n');
      else ctx.io.out(entries.length === 0 ? noTrace('compare', name) : entries.map((e) => e.text).join('\n'));
    });
}
