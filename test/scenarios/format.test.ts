// scenarios/format.ts: a malformed scenario is a TraceSyntaxError naming
// the file and line; a reply's words between steps are skipped.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenarios/format.js';
import { loadScenarios, scenarioFiles } from '../../scenarios/load.js';
import { TraceSyntaxError } from '../../trace/parse.js';

const files = scenarioFiles();
const texts = files.map((f) => readFileSync(f, 'utf8'));
const nameOf = (f: string) => f.slice(f.lastIndexOf('/') + 1);

const scenarioText = (name: string) => texts[files.findIndex((f) => nameOf(f) === `${name}.txt`)]!;

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
