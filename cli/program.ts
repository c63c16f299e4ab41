// The p2pmodel command (DESIGN.md §6). Each subcommand lives in its own
// file and registers itself here; bad input is a UsageError -> exit 2.
import { Command, CommanderError } from 'commander';
import type { Ctx, Io } from './context.js';
import { UsageError } from './errors.js';
import { registerCheck } from './check.js';
import { registerExplore } from './explore.js';
import { registerList } from './list.js';
import { registerCite } from './cite.js';
import { registerReplay } from './replay.js';
import { registerMatrix } from './matrix.js';

function buildProgram(ctx: Ctx): Command {
  const program = new Command('p2pmodel')
    .description('Judge the struct-page and vma-p2p designs for P2P DMA to user-mapped PCI BAR memory')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: () => {} });
  for (const register of [registerList, registerExplore, registerCheck, registerReplay, registerCite, registerMatrix]) register(program, ctx);
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: () => {} });
  return program;
}

/** Run one command line; returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  const ctx: Ctx = { io, exit: (c) => (code = Math.max(code, c)) };
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      io.err(`p2pmodel: ${err.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`p2pmodel: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
