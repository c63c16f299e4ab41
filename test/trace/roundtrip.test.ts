// parse(print(t)) equals t (DESIGN.md §5) for random traces of every
// registered design, and the printed text stays plain ASCII in 72 columns.
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { citeColumns } from '../../trace/cite.js';
import { fold, unfold } from '../../trace/layout.js';
import { parseTrace } from '../../trace/parse.js';
import { printTrace } from '../../trace/print.js';
import { mangled, textArb, traceArb } from './support.js';

const seed = 42;

const fits = (text: string) =>
  text.split('\n').every((l) => l.length <= 72 && /^[\x20-\x7e]*$/.test(l));

describe('trace text round trip', () => {
  it('parse(print(t)) deep-equals t, within 72 ASCII columns', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const text = printTrace(t);
        expect(fits(text)).toBe(true);
        expect(isDeepStrictEqual(parseTrace(text), t)).toBe(true);
        expect(parseTrace(text)).toStrictEqual(t);
        expect(fits(citeColumns(t))).toBe(true);
      }),
      { seed, numRuns: 400 },
    );
  });

  it('survives mail: quoting, CRLF, trailing spaces, prose and a signature', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        for (const text of Object.values(mangled(printTrace(t)))) expect(parseTrace(text)).toStrictEqual(t);
      }),
      { seed, numRuns: 150 },
    );
  });

  it('folds any text into 72 columns and unfolds it exactly', () => {
    fc.assert(
      fc.property(textArb, fc.constantFrom('Detail:', 'Link:', 'Reproduce:'), fc.boolean(), (value, label, shell) => {
        const lines = fold(label, value, { indent: 2, style: shell ? 'shell' : 'soft' });
        expect(lines.every((l) => l.length <= 72 && l === l.trimEnd())).toBe(true);
        expect(lines.slice(1).every((l) => /^\s+\S/.test(l))).toBe(true);
        const segments = [lines[0]!.slice(label.length).trim(), ...lines.slice(1).map((l) => l.trim())];
        expect(unfold(segments)).toBe(value);
      }),
      { seed, numRuns: 1000 },
    );
  });
});
