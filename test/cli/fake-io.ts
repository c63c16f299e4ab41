// Runs the CLI in-process with captured output.
import type { Io } from '../../cli/context.js';
import { run } from '../../cli/program.js';

export async function cli(argv: readonly string[], stdin = '') {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    readStdin: async () => stdin,
    color: false,
  };
  const code = await run(argv, io);
  return { code, out, err };
}
