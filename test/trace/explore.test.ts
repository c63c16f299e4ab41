// Every counterexample and witness the search finds, for every preset of
// every registered design, prints within 72 columns, reads back equal,
// and replays to its verdict: as printed, and after mail has had it.
import { describe, expect, it } from 'vitest';
import { citeColumns, COLUMNS_NOTE } from '../../trace/cite.js';
import { parseTrace, parseTraceDetailed } from '../../trace/parse.js';
import { printTrace } from '../../trace/print.js';
import { replay } from '../../trace/replay.js';
import { exploreTraces, mangled } from './support.js';

const fits = (text: string) => text.split('\n').every((l) => l.length <= 72 && /^[\x20-\x7e]*$/.test(l));

describe('explore traces', () => {
  const found = exploreTraces();

  it('exist for every registered design', () => {
    expect(found.length).toBeGreaterThan(10);
    expect(new Set(found.map((f) => f.trace.design)).size).toBeGreaterThan(0);
  });

  it('print within 72 columns, read back equal and replay to their verdict', () => {
    for (const { label, verdict, trace } of found) {
      const text = printTrace(trace);
      expect(fits(text), label).toBe(true);
      expect(parseTrace(text), label).toStrictEqual(trace);
      const r = replay(parseTraceDetailed(text, label));
      expect(r.divergence, label).toBeNull();
      expect(r.verdict.now, label).toBe(verdict);
      expect(r.reproduced, label).toBe(true);
    }
  });

  it('replay to their verdict after quoting, CRLF, prose and a signature', () => {
    for (const { label, trace } of found)
      for (const [how, text] of Object.entries(mangled(printTrace(trace)))) {
        const parsed = parseTraceDetailed(text, label);
        expect(parsed.trace, `${label}: ${how}`).toStrictEqual(trace);
        expect(replay(parsed).reproduced, `${label}: ${how}`).toBe(true);
      }
  });

  it('name the npx command that finds them again: design, preset, property, seed and path', () => {
    for (const { label, trace } of found) {
      const path = /--path (\d+(?::\d+)*)$/.exec(trace.command)?.[1];
      expect(trace.command, label).toBe(
        `npx p2pmodel explore --design ${trace.design} --preset ${trace.preset} --property ${trace.property} --seed 42 --path ${path}`,
      );
      expect(printTrace(trace).replace(/ \\\n +/g, ' ').replace(/\\\n +/g, ''), label).toContain(`\nReproduce: ${trace.command}\n`);
    }
  });

  it('cite --columns stays within 72 columns and says it is not parseable', () => {
    for (const { label, trace } of found) {
      const text = citeColumns(trace);
      expect(fits(text), label).toBe(true);
      expect(text.split('\n')[0]).toBe(COLUMNS_NOTE);
    }
  });
});
