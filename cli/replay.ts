// p2pmodel replay FILE|- [--json] [--verbose]: run a trace again and say
// whether every return value and the stated verdict reproduce (exit 0)
// or not (exit 1); a malformed trace is `FILE:LINE: expected ...`, exit 2.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type ParsedTrace, parseTraceDetailed } from '../trace/parse.js';
import { replay, replayJson, replayText } from '../trace/replay.js';
import type { Ctx } from './context.js';
import { usage } from './errors.js';

/**
 * Read and parse the trace in `file` (`-`: stdin, named `<stdin>`). A
 * malformed trace throws TraceSyntaxError (`FILE:LINE: expected ...`,
 * exit 2); an unreadable file is a usage error.
 */
export async function readTrace(ctx: Ctx, file: string): Promise<{ name: string; parsed: ParsedTrace }> {
  const name = file === '-' ? '<stdin>' : file;
  let text: string;
  try {
    text = file === '-' ? await ctx.io.readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    return usage(`${name}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return { name, parsed: parseTraceDetailed(text, name) };
}

export function registerReplay(program: Command, ctx: Ctx): void {
  program
    .command('replay')
    .description('replay a trace (a file, or - for stdin); exit 1 if a return value or the verdict differs')
    .argument('<file>', 'trace file, or - for standard input (mail quoting is fine)')
    .option('--json', 'machine-readable output')
    .option('--verbose', 'after each step, show what changed in the design state and the ghost view')
    .action(async (file: string, flags: { json?: boolean; verbose?: boolean }) => {
      const input = await readTrace(ctx, file);
      const r = replay(input.parsed, { verbose: Boolean(flags.verbose) });
      ctx.io.out(flags.json ? JSON.stringify(replayJson(r, input.name), null, 2) + '\n' : replayText(r, input.name));
      ctx.exit(r.reproduced ? 0 : 1);
    });
}
