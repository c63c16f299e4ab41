// parse(print(t)) equals t (DESIGN.md §5) for random traces of every
// registered design in random finite worlds (their limits line too), and
// the printed text stays plain ASCII in 72 columns.
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { citeColumns } from '../../trace/cite.js';
import { fold, unfold } from '../../trace/layout.js';
import { defaultConfig, defaultLimits, limitWords } from '../../model/vocabulary.js';
import { parseTrace, parseTraceDetailed } from '../../trace/parse.js';
import { printTrace } from '../../trace/print.js';
import { replay } from '../../trace/replay.js';
import type { Trace } from '../../trace/trace.js';
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

  it('the config block ends with a limits line naming every limit, read back as printed', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const lines = printTrace(t).split('\n');
        const close = lines.indexOf('}');
        const limits = unfold(lines.slice(lines.findIndex((l) => l.startsWith('  limits:')), close).map((l) => l.trim()));
        const words = limitWords.map(({ limit, one, many }) => `${t.config.limits[limit]} ${t.config.limits[limit] === 1 ? one : many}`);
        expect(limits).toBe(`limits: ${words.join(', ')}`);
      }),
      { seed, numRuns: 100 },
    );
  });

  it('a config block without a limits line, or with some limits left out, takes the defaults for the rest', () => {
    const t: Trace = {
      design: 'vma-p2p',
      preset: 'rfc-2019',
      overrides: {},
      config: defaultConfig,
      property: 'p2p-dma',
      verdict: 'never',
      detail: 'no finding',
      steps: [{ action: { kind: 'proc_fork', proc: 0 }, ret: 'p1' }],
      links: [],
      command: 'npx p2pmodel explore --design vma-p2p',
    };
    const text = printTrace(t);
    const without = text.replace(/^ {2}limits:.*\n/m, '');
    expect(without).not.toBe(text);
    expect(parseTrace(without)).toStrictEqual(t);
    const partial = text.replace(/^ {2}limits:.*\n/m, '  limits: 3 faults, 2 vmas\n');
    expect(parseTrace(partial).config.limits).toStrictEqual({ ...defaultLimits, faults: 3, vmas: 2 });
  });

  it('a step refused at a limit of the world (BOUND) reads back and replays', () => {
    const config = { ...defaultConfig, limits: { ...defaultLimits, vmas: 2, allocations: 1 } };
    const mmap = { kind: 'proc_mmap', proc: 0, exporter: 0, pages: 1, shared: true, offset: 0 } as const;
    const t: Trace = {
      design: 'vma-p2p',
      preset: 'rfc-2019',
      overrides: {},
      config,
      property: 'no-leak',
      verdict: 'holds',
      detail: 'no finding',
      steps: [
        { action: mmap, ret: 'vma0' },
        { action: mmap, ret: 'BOUND' },
      ],
      links: [],
      command: 'npx p2pmodel explore --design vma-p2p',
    };
    const text = printTrace(t);
    expect(text).toMatch(/^ {2}2 {2}p0 {2}mmap\(e0, 1, MAP_SHARED, 0\) {2}-> BOUND$/m);
    expect(parseTrace(text)).toStrictEqual(t);
    expect(replay(parseTraceDetailed(text)).reproduced).toBe(true);
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
