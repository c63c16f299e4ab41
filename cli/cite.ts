// p2pmodel cite FILE|- [--columns]: the email-ready text of a trace (the
// canonical print, whatever mail did to the input), or the actors laid
// out in columns the way commit messages draw a race.
import type { Command } from 'commander';
import { cite, citeColumns } from '../trace/cite.js';
import type { Ctx } from './context.js';
import { readTrace } from './replay.js';

export function registerCite(program: Command, ctx: Ctx): void {
  program
    .command('cite')
    .description('print a trace (a file, or - for stdin) ready to paste into a reply')
    .argument('<file>', 'trace file, or - for standard input (mail quoting is fine)')
    .option('--columns', 'one column per actor group, like a race in a commit message (not parseable)')
    .action(async (file: string, flags: { columns?: boolean }) => {
      const input = await readTrace(ctx, file);
      ctx.io.out(flags.columns ? citeColumns(input.parsed.trace) : cite(input.parsed.trace));
    });
}
