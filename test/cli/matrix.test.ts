// p2pmodel matrix: the property rows and the scenario rows, in text
// (72 columns), markdown and JSON, and its exit codes. 2000 runs at seed
// 42 is the smallest search that meets the expected table, so the exit
// code tests use it; the shape tests use a few runs.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { propertyIds } from '../../properties/catalogue.js';
import { loadScenarios, scenarioDir } from '../../scenarios/load.js';
import { cli } from './fake-io.js';

const met = ['--runs', '2000', '--seed', '42'];
const quick = ['--runs', '20', '--seed', '42'];
const scenarios = loadScenarios();
const columns = designs.flatMap((d) => d.presets.map((p) => `${d.id} ${p.name}`));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'p2p-matrix-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of scenarios/ with one file edited. */
function editedCopy(name: string, edit: (text: string) => string): string {
  const copy = join(dir, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(scenarioDir, copy, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  const file = join(copy, `${name}.txt`);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return copy;
}

describe('p2pmodel matrix', () => {
  it('text: property rows, then a row per scenario, a legend, all within 72 columns; exit 0', async () => {
    const { code, out, err } = await cli(['matrix', ...met]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines.filter((l) => l.length > 72)).toEqual([]);
    for (const id of propertyIds) expect(lines.some((l) => l.startsWith(`${id} `))).toBe(true);
    const head = lines.findIndex((l) => l.startsWith('scenario '));
    expect(head).toBeGreaterThan(propertyIds.length);
    const rows = lines.slice(head + 1, head + 1 + scenarios.length);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(scenarios.map((s) => s.scenario.name));
    // one cell per column, '.' where the scenario is not judged
    for (const r of rows) expect(r.trim().split(/\s+/)).toHaveLength(1 + columns.length);
    expect(rows.find((r) => r.startsWith('debate-gup-kmap '))!.split(/\s+/).slice(1)).toEqual(['-', 'K', '.', '.', '-', '.', '.', '.']);
    expect(out).toContain('L dma-to-live-allocation,');
    expect(out).toContain('.: not judged there');
    expect(out).toMatch(/^\d+ scenarios, \d+ cells: all as stated$/m);
    expect(out).not.toMatch(/!(?!: differs)/);
  });

  it('exit 1 when a scenario outcome differs from its file, naming the first differing step', async () => {
    const edited = editedCopy('sp-unbind-inflight', (t) =>
      t.replace('Returns: vma0 io0 0 -EBUSY 0 0 0 SIGBUS', 'Returns: vma0 io0 0 0 0 0 0 SIGBUS'),
    );
    const { code, out } = await cli(['matrix', ...met, '--scenarios', edited]);
    expect(code).toBe(1);
    expect(out.split('\n').find((l) => l.startsWith('sp-unbind-inflight '))).toMatch(/^sp-unbind-inflight\s+op!/);
    expect(out).toMatch(/1 differ$/m);
    const line = scenarios.find((p) => p.scenario.name === 'sp-unbind-inflight')!.lines.steps[3];
    expect(out).toContain(`sp-unbind-inflight struct-page mainline: step 4 (line ${line}) e0:`);
    expect(out.split('\n').filter((l) => l.length > 72)).toEqual([]);
  });

  it('exit 2 naming the file and line for a malformed scenario, before any search', async () => {
    const broken = editedCopy('sp-reg-mr', (t) => t.replace('Violates: none', 'Violates: nothing'));
    const { code, out, err } = await cli(['matrix', '--scenarios', broken]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/sp-reg-mr\.txt:\d+: expected safety or liveness property ids or 'none' after Violates:, got 'nothing'/);
  });

  it('exit 2 for an unreadable --scenarios and for --markdown with --json', async () => {
    expect((await cli(['matrix', '--scenarios', join(dir, 'nowhere')])).code).toBe(2);
    const both = await cli(['matrix', '--markdown', '--json']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--markdown and --json exclude each other');
  });

  it('markdown: the property table, then a scenario table with its question and a legend', async () => {
    const { out } = await cli(['matrix', '--markdown', ...quick]);
    const tables = out.split('\n').filter((l) => l.startsWith('| '));
    expect(tables[0]).toBe(`| property | kind | ${columns.map((c) => c.replace(' ', '<br>')).join(' | ')} |`);
    const head = tables.findIndex((l) => l.startsWith('| scenario | question |'));
    expect(head).toBe(1 + propertyIds.length);
    const rows = tables.slice(head + 1);
    expect(rows).toHaveLength(scenarios.length);
    for (const [i, r] of rows.entries()) {
      expect(r.startsWith(`| \`${scenarios[i]!.scenario.name}\` | ${scenarios[i]!.scenario.question} |`)).toBe(true);
      expect(r.split(' | ')).toHaveLength(2 + columns.length);
    }
    expect(rows.find((r) => r.includes('`vp-d-munmap`'))).toContain('`Lmp`');
    expect(out).toContain('Scenario cells: violated (upper case) and witnessed (lower case): L dma-to-live-allocation,');
  });

  it('json: the existing fields, plus scenarios with outcome, expected and met per judged cell', async () => {
    const { out } = await cli(['matrix', '--json', ...quick]);
    const json = JSON.parse(out);
    expect(Object.keys(json)).toEqual(['seed', 'runs', 'columns', 'rows', 'scenarios']);
    expect(json.seed).toBe(42);
    expect(json.runs).toBe(20);
    expect(json.columns.map((c: { design: string; preset: string }) => `${c.design} ${c.preset}`)).toEqual(columns);
    expect(json.rows.map((r: { property: string }) => r.property)).toEqual([...propertyIds]);
    expect(Object.keys(json.rows[0].cells[0])).toEqual(['design', 'preset', 'verdict', 'expected']);
    expect(json.scenarios.map((s: { scenario: string }) => s.scenario)).toEqual(scenarios.map((s) => s.scenario.name));
    for (const [i, s] of json.scenarios.entries()) {
      const p = scenarios[i]!;
      expect(s.question).toBe(p.scenario.question);
      expect(s.cells.map((c: { design: string; preset: string }) => `${c.design} ${c.preset}`)).toEqual(
        p.scenario.expectations.map((e) => `${e.design} ${e.preset}`),
      );
      for (const c of s.cells) {
        expect(Object.keys(c.outcome)).toEqual(['returns', 'violates', 'witnesses']);
        expect(c.outcome).toEqual(c.expected);
        expect(c.met).toBe(true);
        expect(c.difference).toBeNull();
      }
    }
  });
});
