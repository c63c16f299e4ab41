// p2pmodel matrix: by default the complete search of the default world,
// in per-design blocks of property rows and scenario rows within 72
// columns; --random for fast-check; markdown and JSON; exit codes. The
// complete search of the default world (about 9 s) runs once, in
// beforeAll; the other searches use a tiny world file or a few random runs.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { catalogue, propertyIds } from '../../properties/catalogue.js';
import { expectationOf } from '../../properties/expected.js';
import { loadScenarios, scenarioDir } from '../../scenarios/load.js';
import { cli } from './fake-io.js';

type Run = Awaited<ReturnType<typeof cli>>;

const scenarios = loadScenarios();
const columns = designs.flatMap((d) => d.presets.map((p) => ({ design: d.id, preset: p.name })));
const cellCount = propertyIds.length * columns.length;
/** A random search that meets the expected table: its last cell is hit by run 2,506 at seed 42. */
const meets = ['--random', '--runs', '3000', '--seed', '42'];
const quick = ['--random', '--runs', '20', '--seed', '42'];

const dir = mkdtempSync(join(tmpdir(), 'p2p-matrix-'));
/** One exporter page, one process, one allocation: its complete search takes a moment, and misses some cells. */
const tiny = join(dir, 'tiny.txt');
writeFileSync(
  tiny,
  `(* a world too small for every cell of the table *)
{
  exporter e0: 1 page
  importer nvme0: nvme p2pdma; route e0 bus-addr
  importer nic0: rdma odp; route e0 host-bridge
  iommu on; 1 process
  limits: 1 vma, 1 mr, 1 bio, 1 allocation, 0 faults
}
`,
);
let complete: Run;
beforeAll(async () => {
  complete = await cli(['matrix']);
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

/**
 * The block of `design`, its header line then every row up to its legend,
 * each split into words; a design too wide for 72 columns comes in
 * several blocks, joined here column by column.
 */
function block(out: string, design: string): string[][] {
  const lines = out.split('\n');
  const parts: string[][][] = [];
  for (const [head, line] of lines.entries()) {
    if (!line.startsWith(`${design} `)) continue;
    const end = lines.findIndex((l, i) => i > head && /^[A-Z]\d /.test(l));
    parts.push(lines.slice(head, end).map((l) => l.trim().split(/\s+/)));
  }
  // a row missing from a part is not judged on that part's presets
  const names = [...new Set(parts.flatMap((part) => part.map((r) => r[0]!)))];
  return names.map((name) => [
    name,
    ...parts.flatMap((part) => part.find((r) => r[0] === name)?.slice(1) ?? Array<string>(part[0]!.length - 1).fill('.')),
  ]);
}

const verdictWords = (kind: string) => (kind === 'capability' ? ['sometimes', 'never'] : ['holds', 'violated']);

describe('p2pmodel matrix: the complete search of the default world', () => {
  it('exit 0, nothing on stderr, every line within 72 columns, says what it proved', () => {
    const { code, out, err } = complete;
    expect([code, err]).toEqual([0, '']);
    expect(out.split('\n').filter((l) => l.length > 72)).toEqual([]);
    const states = /^Complete search of world default \((\d+) states in all\): every holds and never is proven for each reachable state,/.exec(
      out.replace(/\n/g, ' '),
    );
    expect(states).not.toBeNull();
    const perColumn = [...out.replace(/\n +/g, ' ').matchAll(/[A-Z]\d [a-z0-9.-]+ \((\d+) states\)/g)].map((m) => Number(m[1]));
    expect(perColumn).toHaveLength(columns.length);
    expect(perColumn.reduce((a, b) => a + b)).toBe(Number(states![1]));
  });

  it('one block per design: a code per preset, property rows in catalogue order, the table met', () => {
    for (const [di, d] of designs.entries()) {
      const rows = block(complete.out, d.id);
      const codes = d.presets.map((_, i) => `${'ABC'[di]}${i + 1}`);
      expect(rows[0]).toEqual([d.id, ...codes]);
      expect(rows.slice(1, 1 + catalogue.length).map((r) => r[0])).toEqual([...propertyIds]);
      for (const [i, p] of catalogue.entries()) {
        const cells = rows[1 + i]!.slice(1);
        expect(cells, p.id).toEqual(d.presets.map((preset) => expectationOf(d.id, preset.name, p.id)!.verdict));
        for (const c of cells) expect(verdictWords(p.kind)).toContain(c);
      }
      const legend = d.presets.map((p, i) => `${codes[i]} ${p.name} (`);
      const text = complete.out.replace(/\n +/g, ' ');
      for (const l of legend) expect(text).toContain(l);
    }
    expect(complete.out.split('\n').filter((l) => l.includes('*'))).toEqual(["*: differs from properties/expected.ts or from the scenario's file"]);
  });

  it('scenario rows in their blocks: what each shows on the presets it is judged on, . elsewhere', () => {
    for (const d of designs) {
      const rows = block(complete.out, d.id).slice(1 + catalogue.length);
      const judged = scenarios.filter((s) => s.scenario.expectations.some((e) => e.design === d.id));
      expect(rows.map((r) => r[0])).toEqual(judged.map((s) => s.scenario.name));
      for (const r of rows) expect(r).toHaveLength(1 + d.presets.length);
    }
    const kmap = (design: string) => block(complete.out, design).find((r) => r[0] === 'debate-gup-kmap')!.slice(1);
    expect(kmap('struct-page')).toEqual(['-', 'K', '.', '.']);
    expect(kmap('vma-p2p')).toEqual(['-', '.', '.', '.']);
    expect(block(complete.out, 'vma-p2p').find((r) => r[0] === 'vp-d-munmap')!.slice(1)).toEqual(['mp', 'Lmp', 'mp', '-']);
  });

  it('a legend of the scenario letters, then the summary lines', () => {
    const { out } = complete;
    expect(out).toContain('scenario cells: violates L dma-to-live-allocation,');
    expect(out).toContain('  witnesses o odirect-to-bar, m rdma-mr-on-bar, p p2p-dma');
    expect(out).toContain('  -: neither  .: not judged there');
    const cells = scenarios.reduce((n, s) => n + s.scenario.expectations.length, 0);
    expect(out.endsWith(`${cellCount} of ${cellCount} property cells as expected\n${scenarios.length} scenarios, ${cells} cells: all as stated\n`)).toBe(true);
  });
});

describe('p2pmodel matrix --world and the cells that differ', () => {
  it('a world file: its complete search, each differing cell marked *, the count in the summary, exit 1', async () => {
    const { code, out } = await cli(['matrix', '--world', tiny]);
    expect(code).toBe(1);
    expect(out.replace(/\n/g, ' ')).toMatch(new RegExp(`^Complete search of world ${tiny} \\(\\d+ states in all\\)`));
    const marked = designs.flatMap((d) =>
      block(out, d.id)
        .slice(1, 1 + catalogue.length)
        .flatMap((r) => r.slice(1).filter((c) => c.endsWith('*'))),
    );
    expect(marked.length).toBeGreaterThan(0);
    expect(out).toMatch(new RegExp(`^${cellCount - marked.length} of ${cellCount} property cells as expected, ${marked.length} differ$`, 'm'));
    // the scenarios run in their own worlds, whatever --world says
    expect(out).toMatch(/^\d+ scenarios, \d+ cells: all as stated$/m);
  });

  it('--world nope is a usage error naming the shipped worlds', async () => {
    const { code, out, err } = await cli(['matrix', '--world', 'nope']);
    expect([code, out]).toEqual([2, '']);
    expect(err).toBe("p2pmodel: --world: no shipped world 'nope' (one of: default, minimal, routes) and no file: ENOENT\n");
  });
});

describe('p2pmodel matrix --random', () => {
  it('says it is the random search, with its seed and runs', async () => {
    const { out } = await cli(['matrix', ...quick]);
    expect(out.startsWith('Random search (fast-check), world default, seed 42, 20 runs per column:\nholds and never mean no counterexample or witness in those runs.\n')).toBe(true);
  });

  it('exit 1 when a scenario outcome differs from its file, naming the first differing step', async () => {
    const edited = editedCopy('sp-unbind-inflight', (t) =>
      t.replace('Returns: vma0 io0 0 -EBUSY 0 0 0 SIGBUS', 'Returns: vma0 io0 0 0 0 0 0 SIGBUS'),
    );
    const { code, out } = await cli(['matrix', ...meets, '--scenarios', edited]);
    expect(code).toBe(1);
    expect(out).toContain(`${cellCount} of ${cellCount} property cells as expected\n`);
    expect(block(out, 'struct-page').find((r) => r[0] === 'sp-unbind-inflight')).toEqual(['sp-unbind-inflight', 'op*', '.', '.', 'BA']);
    expect(out).toMatch(/^\d+ scenarios, \d+ cells: 1 differ$/m);
    const line = scenarios.find((p) => p.scenario.name === 'sp-unbind-inflight')!.lines.steps[3];
    expect(out.replace(/\n +/g, ' ')).toContain(
      `sp-unbind-inflight struct-page mainline: step 4 (line ${line}) e0: unbind_finish(): expected -> 0, got -> -EBUSY`,
    );
    expect(out.split('\n').filter((l) => l.length > 72)).toEqual([]);
  });

  it('exit 2 naming the file and line for a malformed scenario, before any search', async () => {
    const broken = editedCopy('sp-reg-mr', (t) => t.replace('Violates: none', 'Violates: nothing'));
    const { code, out, err } = await cli(['matrix', '--scenarios', broken]);
    expect([code, out]).toEqual([2, '']);
    expect(err).toMatch(/sp-reg-mr\.txt:\d+: expected safety or liveness property ids or 'none' after Violates:, got 'nothing'\n$/);
  });

  it.each([
    [['matrix', '--runs', '20'], '--runs: only with --random'],
    [['matrix', '--seed', '7'], '--seed: only with --random'],
    [['matrix', '--markdown', '--json'], '--markdown and --json exclude each other'],
  ])('%j is a usage error', async (argv, message) => {
    const { code, out, err } = await cli(argv);
    expect([code, out, err]).toEqual([2, '', `p2pmodel: ${message}\n`]);
  });
});

describe('p2pmodel matrix --markdown and --json', () => {
  it('markdown: the property table, how it was searched, then a scenario table with its question and a legend', async () => {
    const { out } = await cli(['matrix', '--markdown', '--world', tiny]);
    const tables = out.split('\n').filter((l) => l.startsWith('| '));
    const header = columns.map((c) => `${c.design}<br>${c.preset}`).join(' | ');
    expect(tables[0]).toBe(`| property | kind | ${header} |`);
    expect(tables.slice(1, 1 + catalogue.length).map((r) => r.split(' | ')[0])).toEqual(propertyIds.map((id) => `| \`${id}\``));
    expect(out).toMatch(/ \(!\) \|/);
    expect(out).toContain(`\nComplete search of world ${tiny} (`);
    const head = tables.findIndex((l) => l.startsWith('| scenario | question |'));
    expect(head).toBe(1 + catalogue.length);
    expect(tables[head]).toBe(`| scenario | question | ${header} |`);
    const rows = tables.slice(head + 1);
    expect(rows).toHaveLength(scenarios.length);
    for (const [i, r] of rows.entries()) {
      expect(r.startsWith(`| \`${scenarios[i]!.scenario.name}\` | ${scenarios[i]!.scenario.question} |`)).toBe(true);
      expect(r.split(' | ')).toHaveLength(2 + columns.length);
    }
    expect(rows.find((r) => r.includes('`vp-d-munmap`'))).toContain('`Lmp`');
    expect(out).toContain('Scenario cells: violated (upper case) and witnessed (lower case): L dma-to-live-allocation,');
  });

  it('json of the complete search: its world, states per column, a verdict and an expectation per cell', async () => {
    const { out } = await cli(['matrix', '--json', '--world', tiny]);
    const json = JSON.parse(out);
    expect(Object.keys(json)).toEqual(['search', 'world', 'columns', 'rows', 'scenarios']);
    expect([json.search, json.world]).toEqual(['complete', tiny]);
    expect(json.columns.map((c: { design: string; preset: string }) => ({ design: c.design, preset: c.preset }))).toEqual(columns);
    for (const c of json.columns) expect(c.states).toBeGreaterThan(0);
    expect(json.rows.map((r: { property: string }) => r.property)).toEqual([...propertyIds]);
    for (const r of json.rows)
      for (const [i, c] of r.cells.entries()) {
        expect(c).toMatchObject({ ...columns[i], expected: expectationOf(columns[i]!.design, columns[i]!.preset, r.property)!.verdict });
        expect(verdictWords(r.kind)).toContain(c.verdict);
        // a violation or witness carries the length of its shortest trace
        expect('length' in c).toBe(c.verdict === 'violated' || c.verdict === 'sometimes');
      }
  });

  it('json of the random search: its seed and runs; scenarios with outcome, expected and met per judged cell', async () => {
    const { out } = await cli(['matrix', '--json', ...quick]);
    const json = JSON.parse(out);
    expect(Object.keys(json)).toEqual(['search', 'runs', 'seed', 'world', 'columns', 'rows', 'scenarios']);
    expect([json.search, json.runs, json.seed, json.world]).toEqual(['random', 20, 42, 'default']);
    expect(json.columns).toEqual(columns);
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
        expect([c.met, c.difference]).toEqual([true, null]);
      }
    }
  });
});
