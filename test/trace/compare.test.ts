// compare() and its text on random traces and random sets of columns:
// each column is the run of the steps on its preset, the differences
// are the steps and properties that tell the columns apart, and the
// text, read back cell by cell, says exactly that within 72 columns.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from '../../model/design.js';
import { defaultSeed } from '../../properties/defaults.js';
import { catalogue } from '../../properties/catalogue.js';
import { allColumns, type Compared, compare, compareText, differences } from '../../trace/compare.js';
import { runActions } from '../../trace/replay.js';
import { traceArb } from './support.js';

const columnsArb = fc.subarray(allColumns(), { minLength: 1 });

/** The cells of `text`'s blocks, by column code: every row label and the word under the code. */
function cellsOf(text: string): Map<string, Map<string, string>> {
  const lines = text.split('\n');
  const out = new Map<string, Map<string, string>>();
  lines.forEach((header, h) => {
    if (!/^ +[A-Z]\d+(?: +[A-Z]\d+)*$/.test(header)) return;
    const codes = header.trim().split(/ +/).map((code) => ({ code, at: header.indexOf(` ${code}`) + 1 }));
    const labelW = codes[0]!.at;
    for (let k = h + 1; k < lines.length && lines[k]!.length > labelW && !/^[A-Z]\d+ /.test(lines[k]!); k++)
      for (const { code, at } of codes) {
        const cells = out.get(code) ?? new Map<string, string>();
        cells.set(lines[k]!.slice(0, labelW).trim(), lines[k]!.slice(at).split(' ')[0]!);
        out.set(code, cells);
      }
  });
  return out;
}

describe('compare', () => {
  it('each column is the run of the steps on its preset; the differences are what tells them apart', () => {
    fc.assert(
      fc.property(traceArb, columnsArb, (t, columns) => {
        const actions = t.steps.map((s) => s.action);
        const compared = compare(t.config, actions, columns);
        compared.forEach((c, i) => {
          const run = runActions(columns[i]!.design, t.config, resolveKnobs(columns[i]!.design, columns[i]!.preset), actions);
          expect(c).toEqual({ code: c.code, design: columns[i]!.design.id, preset: columns[i]!.preset.name, returns: run.steps.map((s) => s.ret), observations: run.observations });
        });
        const d = differences(compared);
        const same = (f: (c: Compared) => string) => new Set(compared.map(f)).size === 1;
        expect(d.steps).toEqual(actions.flatMap((_, i) => (same((c) => c.returns[i]!) ? [] : [i + 1])));
        expect(d.properties).toEqual(catalogue.flatMap((p, k) => (same((c) => c.observations[k]!.verdict) ? [] : [p.id])));
      }),
      { seed: defaultSeed(), numRuns: 40 },
    );
  });

  it('the text: within 72 columns, every cell under its column, every column in a legend, the differences named', () => {
    fc.assert(
      fc.property(traceArb, columnsArb, (t, columns) => {
        const actions = t.steps.map((s) => s.action);
        const compared = compare(t.config, actions, columns);
        const text = compareText(`compare x: ${actions.length} steps`, t.config, actions, compared);
        expect(text.split('\n').every((l) => l.length <= 72 && /^[\x20-\x7e]*$/.test(l))).toBe(true);
        const cells = cellsOf(text);
        expect([...cells.keys()]).toEqual(compared.map((c) => c.code));
        const inline = !/^ {2}1 {2}\S+ {2}\S/m.test(text.slice(0, text.indexOf('Returns')));
        for (const c of compared) {
          expect(` ${text.replace(/\s+/g, ' ')}`).toContain(` ${c.code} ${c.design} ${c.preset}`);
          const column = cells.get(c.code)!;
          // a step's row is labelled by its number, or by number, actor and call when every column fits beside it
          const stepCells = [...column.entries()].filter(([label]) => /^(?:step )?\d+/.test(label));
          expect(stepCells.map(([, ret]) => ret)).toEqual(c.returns);
          if (!inline) expect(stepCells.map(([label]) => label)).toEqual(actions.map((_, i) => `step ${i + 1}`));
          for (const o of c.observations)
            if (column.has(o.property)) expect(column.get(o.property)).toBe(o.step === null ? o.verdict : `${o.verdict}@${o.step}`);
        }
        const d = differences(compared);
        for (const p of catalogue) {
          const shown = compared.some((c) => c.observations.find((o) => o.property === p.id)!.step !== null);
          expect(cells.get(compared[0]!.code)!.has(p.id), p.id).toBe(shown);
        }
        expect(text.replace(/\s+/g, ' ')).toContain(d.steps.length === 0 ? 'Returns: the same in every column.' : `Returns differ at step${d.steps.length > 1 ? 's' : ''} ${d.steps.join(', ')}.`);
        expect(text.replace(/\s+/g, ' ')).toContain(d.properties.length === 0 ? 'Verdicts: the same in every column.' : `Verdicts differ on ${d.properties.join(', ')}.`);
      }),
      { seed: defaultSeed(), numRuns: 60 },
    );
  });
});
