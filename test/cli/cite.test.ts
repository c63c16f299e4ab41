// p2pmodel cite through the CLI's run(): the canonical text of every
// trace and scenario in a file, whatever mail did to it; --columns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioDir } from '../../scenarios/load.js';
import { COLUMNS_NOTE } from '../../trace/layout.js';
import { parseTraces } from '../../trace/parse.js';
import { printTrace } from '../../trace/print.js';
import { mangle, namedMangles, tracesOf } from '../trace/support.js';
import { cli } from './fake-io.js';

const explored = (await cli(['explore', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--runs', '300'])).out;
const traces = tracesOf(explored);
const unbind = traces.find((t) => t.includes('Result: unbind-completes '))!;

describe('p2pmodel cite', () => {
  it('prints the canonical trace, whatever mail did to it', async () => {
    for (const m of Object.values(namedMangles)) {
      const { code, out } = await cli(['cite', '-'], mangle(unbind, { ...m, dropTrailers: false }));
      expect(code).toBe(0);
      // a URL cut in a word by fold -s cannot be told from two words; the rest is exact
      expect(out.replace(/^Link:.*\n(?: .*\n)*/gm, '')).toBe(unbind.replace(/^Link:.*\n(?: .*\n)*/gm, ''));
    }
  });

  it('every trace of a file, then a scenario, each canonical, a blank line between', async () => {
    const scenario = readFileSync(join(scenarioDir, 'sp-reg-mr.txt'), 'utf8');
    const { code, out } = await cli(['cite', '-'], `${explored}\nAnd the scenario:\n\n${scenario}`);
    expect(code).toBe(0);
    const [ts, rest] = [out.slice(0, out.indexOf('P2P scenario')), out.slice(out.indexOf('P2P scenario'))];
    expect(ts).toBe(traces.map((t) => `${t}\n`).join(''));
    expect(rest.startsWith('P2P scenario sp-reg-mr\nQuestion: ')).toBe(true);
  });

  it('a trace by hand: its config block printed, ? kept, nothing invented', async () => {
    const { code, out } = await cli(['cite', '-'], 'P2P vma-p2p rfc-2019\n1 p0 fork() -> ?\n');
    expect(code).toBe(0);
    expect(out).toBe(printTrace(parseTraces(out)[0]!.trace));
    expect(out).toMatch(/^\{\n {2}exporter e0: 2 pages\n/m);
    expect(out.endsWith('\n  1  p0  fork()  -> ?\n')).toBe(true);
  });

  it('--columns: one column per actor group, within 72 columns', async () => {
    const { code, out } = await cli(['cite', '-', '--columns'], unbind);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(COLUMNS_NOTE);
    expect(lines.every((l) => l.length <= 72)).toBe(true);
    const titles = lines.find((l) => l.includes('user: p0'))!;
    expect(titles).toMatch(/user: p0 +device: nic0 +kernel: e0|user: p0 +kernel: e0/);
    // a kernel step sits in a column right of the user's
    const unbindRow = lines.find((l) => l.includes('unbind() -> 0'))!;
    expect(unbindRow.indexOf('unbind()')).toBe(titles.indexOf('kernel: e0'));
  });

  it('bad input: exit 2 with the line, as replay', async () => {
    const { code, out, err } = await cli(['cite', '-'], unbind.replace('-> vma0', '-> vma'));
    expect([code, out]).toEqual([2, '']);
    expect(err).toMatch(/^p2pmodel: <stdin>:\d+: expected a return value .*, got 'vma'\n$/);
  });
});
