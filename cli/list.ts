// p2pmodel list [--calls] [--json]: designs with their presets (and what
// each sets) and knobs (with their sources), the shipped worlds, the
// properties; with --calls, the call reference a trace is written in.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Actor, type CallSpec, calls } from '../model/calls.js';
import type { Design } from '../model/design.js';
import { designs } from '../model/designs.js';
import { type ActionKind, actionKinds } from '../model/vocabulary.js';
import { allLinks, catalogue } from '../properties/catalogue.js';
import { fold, foldUnits } from '../trace/layout.js';
import { loadWorld, worldNames } from '../worlds/load.js';
import type { Ctx } from './context.js';

/** The returns each design gives each call, as `npm run calls` found them (docs/calls.json). */
type Returns = Record<string, Record<ActionKind, string[]>>;
const returns = (): Returns => JSON.parse(readFileSync(new URL('../docs/calls.json', import.meta.url), 'utf8')) as Returns;

const actors: Readonly<Record<Actor, string>> = {
  process: 'a process: p0, p1, ...',
  importer: 'an importer: its name (nvme0, nic0, ...)',
  exporter: 'the exporter: its name (e0, ...)',
  fault: 'fault',
};

const defaultOf = (d: Design) => d.presets[0]!.name;
const setting = (k: Readonly<Record<string, string>>) => Object.entries(k).map(([n, v]) => `${n}=${v}`);

function listing() {
  return {
    designs: designs.map((d) => ({
      id: d.id,
      title: d.title,
      presets: d.presets.map((p) => ({ name: p.name, doc: p.doc, cite: p.cite, knobs: p.knobs })),
      knobs: d.knobs.map((k) => ({ name: k.name, values: k.values, default: k.default, doc: k.doc, cite: k.cite })),
    })),
    worlds: worldNames().map((name) => ({ name, description: loadWorld(name).description })),
    properties: catalogue.map((p) => ({ id: p.id, kind: p.kind, statement: p.statement, links: allLinks(p) })),
  };
}

/** A listing is read, not replayed: a URL stays whole (and clickable) on a line of its own, past 72 columns if it must. */
const whole = { overlong: 'whole' } as const;

function text(): string {
  const lines: string[] = ['designs (--design D --preset P --knob name=value)'];
  for (const d of designs) {
    lines.push('', ...fold(`${d.id}:`, d.title, { indent: 2, ...whole }), '  presets:');
    for (const p of d.presets) {
      lines.push(`    ${p.name}${p.name === defaultOf(d) ? ' (default)' : ''}`);
      lines.push(...fold('     ', p.doc, { indent: 6, ...whole }));
      lines.push(...foldUnits('      sets:', setting(p.knobs).length > 0 ? setting(p.knobs) : ['nothing: every knob at its default'], { indent: 8, ...whole }));
    }
    lines.push('  knobs:');
    for (const k of d.knobs) {
      lines.push(`    ${k.name}=${k.values.join('|')} (default ${k.default})`);
      lines.push(...fold('     ', k.doc, { indent: 6, ...whole }));
      lines.push(...fold('      source:', k.cite, { indent: 8, ...whole }));
    }
  }
  lines.push('', 'worlds (--world NAME, or a world file)');
  for (const name of worldNames()) lines.push(...fold(`  ${name}:`, loadWorld(name).description, { indent: 4, ...whole }));
  lines.push('', 'properties');
  for (const p of catalogue) lines.push(`  ${p.id} (${p.kind})`, ...fold('   ', p.statement, { indent: 4, ...whole }));
  return lines.join('\n') + '\n';
}

/** The call reference as `list --calls` prints it (docs/trace-format.md carries a copy). */
export function callsText(): string {
  const seen = returns();
  const lines = [
    'calls (as a trace writes them: `N  ACTOR  CALL  -> RETURN`)',
    ...fold(
      '',
      'Returns: what the complete search of the default world saw each design give, on every preset. Besides those, any call of a process that does not exist gives -ESRCH, a name of nothing live -EBADF (or -ENOENT), and a full limit -ENOMEM, -EAGAIN, -EMFILE or BOUND.',
      { indent: 0 },
    ),
  ];
  for (const kind of actionKinds) {
    const c = calls[kind] as CallSpec;
    lines.push('', c.usage, ...fold('  actor:', actors[c.actor], { indent: 4 }), ...fold('  kernel:', c.doc, { indent: 4 }));
    for (const d of designs) {
      const words = seen[d.id]?.[kind] ?? [];
      lines.push(...foldUnits(`  ${d.id}:`, words.length > 0 ? words : ['(not reached by the search of the default world)'], { indent: 4 }));
    }
  }
  return lines.join('\n') + '\n';
}

function callsJson() {
  const seen = returns();
  return actionKinds.map((kind) => {
    const c = calls[kind] as CallSpec;
    return { kind, usage: c.usage, actor: c.actor, kernel: c.doc, returns: Object.fromEntries(designs.map((d) => [d.id, seen[d.id]?.[kind] ?? []])) };
  });
}

export function registerList(program: Command, ctx: Ctx): void {
  program
    .command('list')
    .description('designs, presets, knobs, worlds and properties; with --calls, every call a trace can make')
    .option('--calls', 'the call reference: each call, its actor, the kernel function, its returns on each design')
    .option('--json', 'machine-readable output')
    .action((opts: { calls?: boolean; json?: boolean }) => {
      if (opts.calls) ctx.io.out(opts.json ? `${JSON.stringify(callsJson(), null, 2)}\n` : callsText());
      else ctx.io.out(opts.json ? `${JSON.stringify(listing(), null, 2)}\n` : text());
    });
}
