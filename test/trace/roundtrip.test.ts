// parse(print(t)) equals t (docs/trace-format.md) for random traces of every
// registered design in random finite worlds: with a Result: line or
// none, `?` returns and verdicts, any detail, links and command or none;
// the printed text stays plain ASCII in 72 columns, and folding undoes
// exactly. Mail damage to them is read back the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig, defaultLimits, limitWords } from '../../model/vocabulary.js';
import { defaultSeed } from '../../properties/defaults.js';
import { citeColumns } from '../../trace/cite.js';
import { fold, unfold } from '../../trace/layout.js';
import { parseTrace, parseTraceDetailed, parseTraces } from '../../trace/parse.js';
import { printTrace } from '../../trace/print.js';
import { replay } from '../../trace/replay.js';
import type { Trace } from '../../trace/trace.js';
import { mangle, mangleArb, textArb, traceArb } from './support.js';

const seed = defaultSeed();

/** Within 72 columns of printable ASCII, and no line ends in a space (mail and checkpatch drop them). */
const fits = (text: string) => text.split('\n').every((l) => l.length <= 72 && /^[\x20-\x7e]*$/.test(l) && l === l.trimEnd());

/** A one-step trace of the default world, for tests that vary one part. */
const minimalTrace: Trace = {
  design: 'struct-page',
  preset: 'mainline',
  overrides: {},
  config: defaultConfig,
  detail: '',
  steps: [{ action: { kind: 'proc_fork', proc: 0 }, ret: 'p1' }],
  links: [],
  command: '',
};

describe('trace text round trip', () => {
  it('parse(print(t)) deep-equals t, within 72 ASCII columns', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const text = printTrace(t);
        expect(fits(text)).toBe(true);
        expect(parseTrace(text)).toStrictEqual(t);
        expect(fits(citeColumns(t))).toBe(true);
      }),
      { seed, numRuns: 200 },
    );
  });

  it('prints what it has: no Result: without a property, no Detail: without detail, no Reproduce: without a command', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const text = printTrace(t);
        expect(/^Result: /m.test(text)).toBe(t.property !== undefined);
        expect(/^Detail:/m.test(text)).toBe(t.detail !== '');
        expect(/^Reproduce:/m.test(text)).toBe(t.command !== '');
        expect((text.match(/^Link:/gm) ?? []).length).toBe(t.links.length);
        expect((text.match(/-> \?$/gm) ?? []).length).toBe(t.steps.filter((s) => s.ret === '?').length);
      }),
      { seed, numRuns: 100 },
    );
  });

  it('several traces in one text read back in order, whatever mail did to them', () => {
    fc.assert(
      fc.property(fc.array(traceArb, { minLength: 2, maxLength: 4 }), mangleArb, (ts, m) => {
        // mail re-wraps what it quotes: a value of random words is cut anywhere, so keep them out
        const plain = ts.map((t) => ({ ...t, detail: '', links: [], command: '' }));
        const text = plain.map((t) => `Here is one:\n\n${printTrace(t)}`).join('\n');
        expect(parseTraces(mangle(text, m)).map((p) => p.trace)).toStrictEqual(plain);
      }),
      { seed, numRuns: 60 },
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
      { seed, numRuns: 50 },
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
    // no config block at all: the default world
    expect(parseTrace(text.replace(/^\{\n(?: .*\n)*\}\n/m, ''))).toStrictEqual(t);
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
      detail: '',
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

  it('cuts a word too long for a line so that a shell reads the command back', () => {
    const path = `/tmp/${'deep/'.repeat(20)}world.txt`;
    const command = `npx p2pmodel explore --design struct-page --world ${path} --seed 42`;
    const lines = fold('Reproduce:', command, { indent: 2, style: 'shell' });
    expect(lines.every((l) => l.length <= 72)).toBe(true);
    // sh drops each backslash-newline, then splits words at blanks
    const words = lines.join('\n').replace(/\\\n/g, '').split(/\s+/).slice(1);
    expect(words).toEqual(command.split(' '));
    const segments = [lines[0]!.slice('Reproduce:'.length).trim(), ...lines.slice(1).map((l) => l.trim())];
    expect(unfold(segments)).toBe(command);
  });

  it('a command word of any length near the width folds and reads back, as the parser and a shell read it', () => {
    for (let n = 55; n <= 150; n++) {
      const command = `npx p2pmodel check --design struct-page --world /${'w'.repeat(n)} --seed 42`;
      const t: Trace = { ...minimalTrace, command };
      const text = printTrace(t);
      expect(fits(text), `word of ${n}`).toBe(true);
      expect(parseTrace(text).command, `word of ${n}`).toBe(command);
      const lines = fold('Reproduce:', command, { indent: 2, style: 'shell' });
      expect(lines.join('\n').replace(/\\\n/g, '').split(/\s+/).slice(1), `word of ${n}`).toEqual(command.split(' '));
    }
    // a cut piece that reads like a label is still the command's
    const command = `npx p2pmodel check --world /tmp/${'x'.repeat(51)}Link:y --seed 1`;
    expect(parseTrace(printTrace({ ...minimalTrace, command }))).toStrictEqual({ ...minimalTrace, command });
  });

  it('folds any text into 72 columns and unfolds it exactly', () => {
    fc.assert(
      fc.property(textArb, fc.constantFrom('Detail:', 'Link:', 'Reproduce:'), fc.boolean(), (value, label, shell) => {
        const lines = fold(label, value, { indent: 2, style: shell ? 'shell' : 'soft' });
        expect(lines.every((l) => l.length <= 72 && l === l.trimEnd())).toBe(true);
        // a word of the command cut with `\` goes on at column 0, as a shell joins it
        expect(lines.slice(1).every((l, i) => /^\s+\S/.test(l) || (shell && /[^ ]\\$/.test(lines[i]!)))).toBe(true);
        const segments = [lines[0]!.slice(label.length).trim(), ...lines.slice(1).map((l) => l.trim())];
        expect(unfold(segments)).toBe(value);
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('folds a listing without cutting a word: one too long stays whole on a line of its own, and it unfolds exactly', () => {
    fc.assert(
      fc.property(textArb, (value) => {
        const lines = fold('  source:', value, { indent: 4, overlong: 'whole' });
        for (const l of lines) expect(l.length <= 72 || /^ {4}\S+$/.test(l), l).toBe(true);
        const segments = [lines[0]!.slice('  source:'.length).trim(), ...lines.slice(1).map((l) => l.trim())];
        expect(unfold(segments)).toBe(value);
      }),
      { seed, numRuns: 1000 },
    );
    const url = 'https://lore.kernel.org/r/20260121-vfio-add-pin-v1-1-4e04916b17f1@nvidia.com';
    expect(fold('  source:', `see ${url} and more`, { indent: 4, overlong: 'whole' })).toEqual(['  source: see', `    ${url}`, '    and more']);
  });
});
