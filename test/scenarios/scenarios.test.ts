// The scenarios of scenarios/*.txt, judged like litmus tests: every
// file is plain ASCII within 72 columns and in canonical form, and its
// steps give on every design/preset it lists exactly the returns,
// violations and witnesses it states. A changed outcome fails with the
// first differing step (judge.test.ts shows an edited one caught).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printScenario } from '../../scenarios/format.js';
import { judgeScenario, reportCell } from '../../scenarios/judge.js';
import { loadScenarios, scenarioDir, scenarioFiles } from '../../scenarios/load.js';

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
