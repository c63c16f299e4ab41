// Runs the CLI in-process with captured output; `status` holds every
// status line, as a terminal would have been shown them.
import type { Io } from '../../cli/context.js';
import { run } from '../../cli/program.js';

export async function cli(argv: readonly string[], stdin: string | Buffer = '') {
  let out = '';
  let err = '';
  const status: string[] = [];
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    readStdin: async () => Buffer.from(stdin),
    status: (line) => {
      status.push(line);
    },
  };
  const code = await run(argv, io);
  return { code, out, err, status };
}
