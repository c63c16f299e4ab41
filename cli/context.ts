// What a subcommand may touch: its output streams and its exit code.
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Standard input, for `replay -` and `cite -`. */
  readStdin(): Promise<string>;
  /** stdout is a terminal and NO_COLOR is unset. */
  readonly color: boolean;
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
    return Buffer.concat(chunks).toString('utf8');
  },
  color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined,
};
