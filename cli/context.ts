// What a subcommand may touch: its output streams and its exit code.
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Standard input, for `replay -`, `cite -` and `compare -`: its bytes, decoded as a file's are. */
  readStdin(): Promise<Buffer>;
  /** A transient line on a terminal's stderr for long runs; '' clears it. Elsewhere a no-op. */
  status(line: string): void;
}

export interface Ctx {
  readonly io: Io;
  exit(code: number): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
  // carriage return, the line cut to the terminal's width, erase to its end: the next one overwrites it
  status: (line) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${line.slice(0, Math.max(20, process.stderr.columns - 1))}\x1b[K`);
  },
};
