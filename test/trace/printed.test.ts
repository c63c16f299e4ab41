// Every trace the tool prints: explore's and check's, for every preset
// of every registered design, explore's whole output (a summary, then a
// trace per finding) and the scenario files. Each prints within 72
// columns, reads back equal, replays to its verdict, and survives what
// mail does to it: quoting 1-3 deep, re-wrapping at 60-78 columns (by
// `fold -s` or by a client that quotes the rest again), trimmed trailers,
// prose and a signature around it, CRLF, trailing spaces. Surviving
// means replaying to the same outcome: every return, verdict, detail
// and observation, and the exit code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { defaultSeed } from '../../properties/defaults.js';
import { citeColumns } from '../../trace/cite.js';
import { COLUMNS_NOTE } from '../../trace/layout.js';
import { parseTrace } from '../../trace/parse.js';
import { printTrace } from '../../trace/print.js';
import { cli, mangle, mangleArb, namedMangles, printedTraces } from './support.js';

// explore's whole output of a preset with no finding holds no trace to replay
const all = (await printedTraces()).filter((p) => /^P2P /m.test(p.text));
const traces = all.filter((p) => p.verdict !== undefined);

const fits = (text: string) => text.split('\n').every((l) => l.length <= 72 && /^[\x20-\x7e]*$/.test(l));

/** The replay's JSON without what depends on where the text stands: file name and line numbers. */
function placeless(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(placeless);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'line' && k !== 'file').map(([k, v]) => [k, placeless(v)]));
}

async function outcome(text: string) {
  const { code, out, err } = await cli(['replay', '--json', '-'], text);
  return { code, err, json: code === 2 ? null : placeless(JSON.parse(out)) };
}

const original = new Map<string, Awaited<ReturnType<typeof outcome>>>();
for (const p of all) original.set(p.label, await outcome(p.text));

describe('printed traces', () => {
  it('come from explore and check for every registered design, and from the scenario files', () => {
    for (const d of designs)
      for (const how of ['explore', 'check']) expect(traces.some((p) => p.label.startsWith(`${how} ${d.id} `)), `${how} ${d.id}`).toBe(true);
    expect(all.filter((p) => p.label.endsWith('.txt')).length).toBeGreaterThanOrEqual(23);
    expect(traces.length).toBeGreaterThan(60);
  });

  it('print within 72 columns of plain ASCII, and cite --columns too', () => {
    // explore's summary lines are its own; its traces are here one by one
    for (const { label, text } of all.filter((p) => !p.label.endsWith(', whole'))) expect(fits(text), label).toBe(true);
    for (const { label, text } of traces) {
      const columns = citeColumns(parseTrace(text));
      expect(fits(columns), label).toBe(true);
      expect(columns.split('\n')[0]).toBe(COLUMNS_NOTE);
    }
  });

  it('read back equal: print(parse(text)) is the text, byte for byte', () => {
    for (const { label, text } of traces) expect(printTrace(parseTrace(text)), label).toBe(text);
  });

  it('replay to their verdict, every return as stated (exit 0)', () => {
    for (const { label, verdict } of traces) {
      const r = original.get(label)!;
      expect([r.code, r.err], label).toEqual([0, '']);
      expect(r.json, label).toMatchObject({ reproduced: true, traces: [{ now: verdict, divergence: null }] });
    }
  });

  it("explore's whole output replays every trace in it", () => {
    const wholes = all.filter((p) => p.label.endsWith(', whole'));
    expect(wholes.length).toBeGreaterThan(10);
    for (const { label, text } of wholes) {
      const r = original.get(label)!;
      const count = (text.match(/^P2P /gm) ?? []).length;
      expect((r.json as { traces: unknown[] }).traces, label).toHaveLength(count);
      expect(r.code, label).toBe(0);
    }
  });

  it('name the npx command that finds them again: design, preset, property, seed and path; or check with its depth', () => {
    for (const { label, text } of traces) {
      const t = parseTrace(text);
      const explore = `npx p2pmodel explore --design ${t.design} --preset ${t.preset} --property ${t.property} --seed `;
      const check = `npx p2pmodel check --design ${t.design} --preset ${t.preset} --depth 5`;
      // the seed explore ran with: 42, or a fresh one under P2P_RANDOM_SEED=1
      if (label.startsWith('explore')) expect(t.command.startsWith(explore) && /--seed \d+ --path \d+(:\d+)*$/.test(t.command), label).toBe(true);
      else expect(t.command, label).toBe(check);
    }
  });
});

describe('printed traces through mail', () => {
  it.each(Object.entries(namedMangles))('%s: each replays to the same outcome', async (_how, m) => {
    for (const { label, text } of all) expect(await outcome(mangle(text, m)), label).toEqual(original.get(label));
  });

  it('any mix of quoting, re-wrapping, trimming, prose, signature, CRLF and trailing spaces: the same outcome', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: all.length - 1 }), mangleArb, async (i, m) => {
        const { label, text } = all[i]!;
        expect(await outcome(mangle(text, m)), label).toEqual(original.get(label));
      }),
      { seed: defaultSeed(), numRuns: 300 },
    );
  });
});
