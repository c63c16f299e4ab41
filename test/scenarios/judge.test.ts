// scenarios/judge.ts can fail: a deliberately edited expectation, any
// single changed return of any scenario, a dropped violation or an
// added witness is caught and named by step, line and call.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ret } from '../../model/vocabulary.js';
import { catalogue } from '../../properties/catalogue.js';
import { parseScenario } from '../../scenarios/format.js';
import { describeDifference, firstDifference, judgeScenario, reportCell } from '../../scenarios/judge.js';
import { loadScenarios, scenarioFiles } from '../../scenarios/load.js';

const files = scenarioFiles();
const texts = files.map((f) => readFileSync(f, 'utf8'));
const parsed = loadScenarios();
const nameOf = (f: string) => f.slice(f.lastIndexOf('/') + 1);

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

