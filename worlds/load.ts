// The named worlds of this folder, and any world file: a `(* ... *)`
// comment saying what it is, then a config block in the trace format's
// grammar (docs/trace-format.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../model/vocabulary.js';
import { parseConfigBlock, unmail } from '../trace/parse.js';

export const worldDir = fileURLToPath(new URL('.', import.meta.url));

const WORLD_EXT = '.txt';

export interface WorldFile {
  readonly name: string;
  /** The file it was read from: `worlds/NAME.txt` for a shipped world, else the path given. */
  readonly file: string;
  /** Its opening comment, unfolded. */
  readonly description: string;
  readonly config: Config;
}

/** The shipped worlds' names, `default` first. */
export function worldNames(): string[] {
  const names = readdirSync(worldDir)
    .filter((f) => f.endsWith(WORLD_EXT))
    .map((f) => f.slice(0, -WORLD_EXT.length));
  return names.sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a < b ? -1 : 1));
}

/** The opening `(* ... *)` comment of a world file, on one line. */
function description(text: string): string {
  const m = /^\s*\(\*([\s\S]*?)\*\)/.exec(text);
  return m ? m[1]!.replace(/\s+/g, ' ').trim() : '';
}

/** Parse world text; throws TraceSyntaxError naming `file` and the line. */
function parseWorld(text: string, file: string, name: string): WorldFile {
  return { name, file, description: description(text), config: parseConfigBlock(unmail(text), file) };
}

/**
 * A shipped world by name, or a world file by path. Throws
 * TraceSyntaxError for a malformed file, and the read error (its code
 * set) for a missing one.
 */
export function loadWorld(spec: string): WorldFile {
  const shipped = worldNames().includes(spec);
  const file = shipped ? join(worldDir, `${spec}${WORLD_EXT}`) : spec;
  const text = readFileSync(file, 'utf8');
  return parseWorld(text, shipped ? `worlds/${spec}${WORLD_EXT}` : spec, spec);
}
