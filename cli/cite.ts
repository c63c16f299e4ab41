// p2pmodel cite FILE|- [--columns]: the email-ready text of every trace
// and scenario in a file (the canonical print, whatever mail did to the
// input), or a trace's actors laid out in columns the way commit
// messages draw a race.
import type { Command } from 'commander';
import { printScenario } from '../scenarios/format.js';
import { citeColumns } from '../trace/cite.js';
import { printTrace } from '../trace/print.js';
import type { Ctx } from './context.js';
import { noTrace, readDocuments } from './documents.js';

export function registerCite(program: Command, ctx: Ctx): void {
  program
    .command('cite')
    .description('print the traces of a file (or - for stdin) ready to paste into a reply')
    .argument('<file>', 'trace or scenario file, or - for standard input (mail quoting is fine)')
    .option('--columns', 'one column per actor group, like a race in a commit message (not parseable)')
    .action(async (file: string, flags: { columns?: boolean }) => {
      const { name, documents } = await readDocuments(ctx, file);
      if (documents.length === 0) return ctx.io.out(noTrace('cite', name));
      const texts = documents.map((d) =>
        d.kind === 'scenario' ? printScenario(d.parsed.scenario) : flags.columns ? citeColumns(d.parsed.trace) : printTrace(d.parsed.trace),
      );
      ctx.io.out(texts.join('\n'));
    });
}
