// The p2pmodel command. Each subcommand lives in its own
// file and registers itself here; bad input (a UsageError, a commander
// error, a TraceSyntaxError, a world too big for memory) -> one line on
// stderr and exit 2.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { TraceSyntaxError } from '../trace/parse.js';
import type { Ctx, Io } from './context.js';
import { errorLine, UsageError } from './errors.js';
import { registerCheck } from './check.js';
import { registerExplore } from './explore.js';
import { registerList } from './list.js';
import { registerCite } from './cite.js';
import { registerCompare } from './compare.js';
import { registerReplay } from './replay.js';
import { registerMatrix } from './matrix.js';

/** The package's version, as package.json states it. */
const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The command with every subcommand registered, its output going to `ctx`. */
export function buildProgram(ctx: Ctx): Command {
  const program = new Command('p2pmodel')
    .description('Judge the struct-page, vma-p2p and dma-buf designs for P2P DMA to user-mapped PCI BAR memory')
    .version(version, '--version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: () => {} });
  for (const register of [registerList, registerExplore, registerCheck, registerReplay, registerCompare, registerCite, registerMatrix]) register(program, ctx);
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: () => {} });
  return program;
}

/** Run one command line; returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  const ctx: Ctx = { io, exit: (c) => (code = Math.max(code, c)) };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    const message = badInput(err, program, argv);
    if (message === undefined) throw err;
    if (message === null) return 0; // --help
    io.err(errorLine(message));
    return 2;
  }
}

/** The one line bad input gets, null for a help request, undefined for anything else (a bug). */
function badInput(err: unknown, program: Command, argv: readonly string[]): string | null | undefined {
  if (err instanceof TraceSyntaxError) return `p2pmodel: ${err.message}`; // FILE:LINE: expected ...
  if (err instanceof UsageError) return `p2pmodel: ${err.message}`;
  // a typed array the world's states need could not be had: Spin's "out of memory"
  if (err instanceof RangeError && /Array buffer allocation failed|Invalid typed array length/.test(err.message))
    return `p2pmodel: out of memory: this world's states do not fit (${err.message}); search a smaller world, or use explore`;
  if (!(err instanceof CommanderError)) return undefined;
  if (err.exitCode === 0) return null;
  const commands = program.commands.map((c) => c.name());
  // `help NAME` of no command: commander would print the whole help on stderr
  if (err.code === 'commander.help' && argv[0] === 'help' && argv[1] !== undefined && !commands.includes(argv[1]))
    return `p2pmodel: help: unknown command '${argv[1]}' (one of: ${commands.join(', ')})`;
  // no subcommand: commander would print the whole help on stderr
  if (err.code === 'commander.help')
    return `p2pmodel: a command is required (one of: ${commands.join(', ')}; see --help)`;
  return `p2pmodel: ${err.message.replace(/^error: /, '')}`;
}
