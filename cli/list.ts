// p2pmodel list [--json]: designs, presets, knobs and properties.
import type { Command } from 'commander';
import { designs } from '../model/designs.js';
import { catalogue } from '../properties/catalogue.js';
import type { Ctx } from './context.js';

function listing() {
  return {
    designs: designs.map((d) => ({
      id: d.id,
      title: d.title,
      presets: d.presets.map((p) => ({ name: p.name, doc: p.doc, cite: p.cite, knobs: p.knobs })),
      knobs: d.knobs.map((k) => ({ name: k.name, values: k.values, default: k.default, doc: k.doc, cite: k.cite })),
    })),
    properties: catalogue.map((p) => ({ id: p.id, kind: p.kind, statement: p.statement, links: p.links })),
  };
}

function text(): string {
  const lines: string[] = [];
  for (const d of designs) {
    lines.push(`design ${d.id}: ${d.title}`, '  presets:');
    for (const p of d.presets) lines.push(`    ${p.name.padEnd(26)} ${p.doc}`);
    lines.push('  knobs:');
    for (const k of d.knobs) lines.push(`    ${k.name}=${k.values.join('|')} (default ${k.default})`, `      ${k.doc}`);
    lines.push('');
  }
  lines.push('properties:');
  for (const p of catalogue) lines.push(`  ${p.id.padEnd(24)} ${p.kind.padEnd(10)} ${p.statement}`);
  return lines.join('\n') + '\n';
}

export function registerList(program: Command, ctx: Ctx): void {
  program
    .command('list')
    .description('designs, presets, knobs and properties')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      ctx.io.out(opts.json ? JSON.stringify(listing(), null, 2) + '\n' : text());
    });
}
