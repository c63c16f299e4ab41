// The scenarios of scenarios/*.txt, judged like litmus tests: every
// file is plain ASCII within 72 columns and in canonical form, and its
// steps give on every design/preset it lists exactly the returns,
// violations and witnesses it states. A changed outcome fails with the
// first differing step; a deliberately edited expectation is caught.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ret } from '../../model/vocabulary.js';
import { catalogue } from '../../properties/catalogue.js';
import { parseScenario, printScenario } from '../../scenarios/format.js';
import { describeDifference, firstDifference, judgeScenario, reportCell } from '../../scenarios/judge.js';
import { loadScenarios, scenarioDir, scenarioFiles } from '../../scenarios/load.js';
import { TraceSyntaxError } from '../../trace/parse.js';

const files = scenarioFiles();
const texts = files.map((f) => readFileSync(f, 'utf8'));
const parsed = loadScenarios();
const nameOf = (f: string) => f.slice(f.lastIndexOf('/') + 1);

describe('scenario files', () => {
  it('there are the scenarios of DOMAIN.md §6, each in its own file', () => {
    expect(parsed.length).toBeGreaterThanOrEqual(23);
    expect(new Set(parsed.map((p) => p.scenario.name)).size).toBe(parsed.length);
  });

  it.each(files.map((f, i) => [nameOf(f), i] as const))('%s is plain ASCII, at most 72 columns, canonical', (_name, i) => {
    const text = texts[i]!;
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    const wide = text.split('\n').filter((l) => l.length > 72);
    expect(wide).toEqual([]);
    expect(text.endsWith('\n')).toBe(true);
    // parse(print) is the identity on every file: comments, folding and alignment as printed
    expect(printScenario(parsed[i]!.scenario)).toBe(text);
  });

  it('every scenario asks one question, lists its judged design/presets and ends with Link: trailers', () => {
    for (const { scenario: s } of parsed) {
      expect(s.question, s.name).toMatch(/\?$/);
      expect(s.expectations.length, s.name).toBeGreaterThan(0);
      expect(s.links.length, s.name).toBeGreaterThan(0);
    }
  });

  it('the debate cases are judged on the two designs of the debate, and those with a dma-buf counterpart on all three', () => {
    const debate = parsed.filter((p) => p.scenario.name.startsWith('debate-'));
    expect(debate.length).toBeGreaterThanOrEqual(6);
    const three = ['debate-doorbell-mr', 'debate-evict-under-mr', 'debate-unplug-longterm', 'debate-root-ports'];
    for (const { scenario: s } of debate)
      expect(new Set(s.expectations.map((e) => e.design)), s.name).toEqual(
        new Set(['struct-page', 'vma-p2p', ...(three.includes(s.name) ? ['dma-buf'] : [])]),
      );
  });

  it('scenarios/README.md names every scenario file, and no other', () => {
    const readme = readFileSync(join(scenarioDir, 'README.md'), 'utf8');
    const named = new Set(readme.match(/\b[a-z0-9-]+\.txt\b/g) ?? []);
    expect(named).toEqual(new Set(files.map(nameOf)));
  });
});

describe('scenario outcomes', () => {
  const cases = parsed.flatMap((p) => p.scenario.expectations.map((e) => [p.scenario.name, `${e.design} ${e.preset}`, p] as const));

  it.each(cases)('%s on %s: every return, violation and witness as stated', (_name, column, p) => {
    const j = judgeScenario(p);
    const cell = j.cells.find((c) => `${c.design} ${c.preset}` === column)!;
    expect(cell.met, reportCell(j, cell)).toBe(true);
  });
});

// --- the judge can fail -------------------------------------------------------

const scenarioText = (name: string) => texts[files.findIndex((f) => nameOf(f) === `${name}.txt`)]!;

/** Replace the `n`th word after the first `Returns:` of the Outcome: block of `column`. */
function editReturn(text: string, column: string, n: number, to: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf(`Outcome: ${column}`);
  const r = lines.findIndex((l, i) => i > at && l.startsWith('  Returns:'));
  const words = lines[r]!.slice('  Returns:'.length).trim().split(' ');
  words[n] = to;
  lines[r] = `  Returns: ${words.join(' ')}`;
  return lines.join('\n');
}

describe('a deliberately edited expectation is detected', () => {
  it('a changed return names the step, its line and call, and what the model gives', () => {
    const text = editReturn(scenarioText('sp-unbind-inflight'), 'struct-page mainline', 3, '0');
    const p = parseScenario(text, 'edited.txt');
    const j = judgeScenario(p);
    expect(j.met).toBe(false);
    const cell = j.cells.find((c) => c.preset === 'mainline')!;
    expect(cell.difference).toMatchObject({ what: 'return', step: 4, expected: '0', got: '-EBUSY' });
    expect(describeDifference(cell.difference!)).toBe(
      `step 4 (line ${p.lines.steps[3]}) e0: unbind_finish(): expected -> 0, got -> -EBUSY`,
    );
    expect(reportCell(j, cell)).toContain('  Returns: vma0 io0 0 -EBUSY 0 0 0 SIGBUS');
    // the other column is untouched
    expect(j.cells.find((c) => c.preset === 'bug-zone-device-refcount')!.met).toBe(true);
  });

  it('a dropped violation or an added witness is named', () => {
    const base = scenarioText('vp-d-munmap');
    const dropped = base.replace(/(Outcome: vma-p2p legacy-importer\n(?:.*\n)*? {2}Violates:) dma-to-live-allocation/, '$1 none');
    expect(dropped).not.toBe(base);
    const d = judgeScenario(parseScenario(dropped)).cells.find((c) => c.preset === 'legacy-importer')!.difference;
    expect(d).toMatchObject({ what: 'violates', expected: 'none', got: 'dma-to-live-allocation' });

    const added = base.replace(/(Outcome: vma-p2p as-posted\n(?:.*\n)*? {2}Witnesses:) none/, '$1 p2p-dma');
    const w = judgeScenario(parseScenario(added)).cells.find((c) => c.preset === 'as-posted')!.difference;
    expect(describeDifference(w!)).toBe('Witnesses: expected p2p-dma, got none');
  });

  it('any single changed return of any scenario is caught at that step', () => {
    const runs = parsed.flatMap((p) => p.scenario.expectations.map((e) => ({ p, e, now: e.outcome })));
    const other: Ret[] = ['0', 'vma7', '-EBUSY', 'SIGBUS'];
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), (k, i, w) => {
        const { p, e, now } = runs[k % runs.length]!;
        const step = i % e.outcome.returns.length;
        const to = other.filter((r) => r !== e.outcome.returns[step])[w % 3]!;
        const edited = { ...e.outcome, returns: e.outcome.returns.map((r, n) => (n === step ? to : r)) };
        expect(firstDifference(p, e.outcome, now)).toBeNull();
        expect(firstDifference(p, edited, now)).toMatchObject({ what: 'return', step: step + 1, expected: to });
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('the limits line is part of the world: one MR less and the pinned MR is refused for the count, not the page', () => {
    const text = scenarioText('debate-doorbell-mr').replace('limits: 1 vma, 2 mrs,', 'limits: 1 vma, 1 mr,');
    const cell = judgeScenario(parseScenario(text)).cells.find((c) => c.preset === 'mainline')!;
    expect(cell.difference).toMatchObject({ what: 'return', step: 4, expected: '-EREMOTEIO', got: '-ENOMEM' });
  });

  it('the catalogue judges them all: every property kind shows up somewhere in the table', () => {
    const seen = new Set(parsed.flatMap((p) => p.scenario.expectations.flatMap((e) => [...e.outcome.violates, ...e.outcome.witnesses])));
    for (const kind of ['safety', 'liveness', 'capability'])
      expect(catalogue.some((c) => c.kind === kind && seen.has(c.id)), kind).toBe(true);
  });
});

// --- the format -------------------------------------------------------------------

describe('scenario syntax errors name the file and line', () => {
  const base = scenarioText('sp-reg-mr');
  const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const fails = (text: string, line: number, expected: RegExp) => {
    let err: unknown;
    try {
      parseScenario(text, 'x.txt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceSyntaxError);
    expect((err as TraceSyntaxError).line).toBe(line);
    expect((err as TraceSyntaxError).message).toMatch(new RegExp(`^x\\.txt:${line}: expected ${expected.source}`));
  };

  it('a return list one short', () => {
    const text = base.replace('Returns: vma0 -EREMOTEIO -EBADF -EBADF 0', 'Returns: vma0 -EREMOTEIO -EBADF -EBADF');
    fails(text, lineOf(text, 'Returns: vma0 -EREMOTEIO'), /5 return values, one per step, got 4/);
  });

  it('an unknown return word, property or preset', () => {
    let text = base.replace('Returns: vma0 mr0 0 0 0', 'Returns: vma0 mr0 0 0 -EWHAT');
    fails(text, lineOf(text, '-EWHAT'), /a return value/);
    text = base.replace('Witnesses: rdma-mr-on-bar p2p-dma', 'Witnesses: rdma-mr-on-bar no-leak');
    fails(text, lineOf(text, 'no-leak'), /capability property ids or 'none' after Witnesses:, got 'no-leak'/);
    text = base.replace('Outcome: struct-page lsfmm-2020', 'Outcome: struct-page lsfmm-2021');
    fails(text, lineOf(text, 'lsfmm-2021'), /a preset of struct-page/);
  });

  it('a step misnumbered or not as model/format.ts prints it', () => {
    let text = base.replace('  3  nic0  dma(mr0, 0)', '  4  nic0  dma(mr0, 0)');
    fails(text, lineOf(text, 'dma(mr0, 0)'), /step 3, got step 4/);
    text = base.replace('  3  nic0  dma(mr0, 0)', '  3  nic0  dma(mr0)');
    fails(text, lineOf(text, 'dma(mr0)'), /dma\(IO\) or dma\(MR, PAGE\), got 'dma\(mr0\)'/);
  });

  it("a reply's words between the steps are skipped; a mistyped Outcome: after them is still an error", () => {
    const text = base.replace('  3  nic0  dma(mr0, 0)', '  3  nic0  dma(mr0, 0)\n\nWhy does the NIC reach it?\n');
    expect(parseScenario(text).scenario).toStrictEqual(parseScenario(base).scenario);
    const typo = text.replace('Outcome:', 'Outcom:');
    fails(typo, lineOf(typo, 'Outcom:'), /'Outcome: <design> <preset>' after the steps/);
  });

  it('a bad config line, a missing question, no Link:', () => {
    let text = base.replace('  iommu on; 2 processes', '  iommu maybe; 2 processes');
    fails(text, lineOf(text, 'iommu maybe'), /'iommu on\|off; <n> processes'/);
    text = base.replace('  limits: 1 vma,', '  limits: 9 vmas,');
    fails(text, lineOf(text, '9 vmas'), /1 to 8 vmas, got 9/);
    text = base.replace(/^Question:.*\n(?: {2}.*\n)*/m, '');
    fails(text, 2, /Question: <one sentence>/);
    text = base.replace(/^Link:.*\n(?: {2}.*\n)*/gm, '');
    fails(text, text.split('\n').length, /'Link: <url or commit>' trailers/);
  });

  it('a header that is not the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2p-scenarios-'));
    try {
      writeFileSync(join(dir, 'renamed.txt'), base);
      expect(() => loadScenarios(dir)).toThrow(/renamed\.txt:1: expected the scenario name 'renamed' \(its file name\), got 'sp-reg-mr'/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('survives mail quoting and CRLF', () => {
    const mailed = base
      .split('\n')
      .map((l) => (l === '' ? '>' : `> ${l}`))
      .join('\r\n');
    expect(parseScenario(mailed).scenario).toEqual(parseScenario(base).scenario);
  });
});
