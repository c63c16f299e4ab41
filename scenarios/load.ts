// The scenario files: every `*.txt` in a directory (by default this
// one), read and parsed in file-name order.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceSyntaxError } from '../trace/parse.js';
import { type ParsedScenario, parseScenario } from './format.js';

/** The repository's scenarios/ directory. */
export const scenarioDir = fileURLToPath(new URL('.', import.meta.url));

const SCENARIO_EXT = '.txt';

export function scenarioFiles(dir = scenarioDir): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(SCENARIO_EXT))
    .sort()
    .map((f) => join(dir, f));
}

/** A file's text; a read error (a directory named `x.txt`) carries the file's path. */
function readScenario(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    (err as NodeJS.ErrnoException).path ??= path;
    throw err;
  }
}

/**
 * Parse every scenario in `dir`; throws TraceSyntaxError naming the file
 * (relative to the working directory) and line, also when a header's
 * name is not its file's.
 */
export function loadScenarios(dir = scenarioDir): ParsedScenario[] {
  return scenarioFiles(dir).map((path) => {
    const shown = relative(process.cwd(), path) || path;
    const parsed = parseScenario(readScenario(path), shown);
    const base = path.slice(path.lastIndexOf('/') + 1, -SCENARIO_EXT.length);
    if (parsed.scenario.name !== base)
      throw new TraceSyntaxError(shown, parsed.lines.header, `the scenario name '${base}' (its file name), got '${parsed.scenario.name}'`);
    return parsed;
  });
}
