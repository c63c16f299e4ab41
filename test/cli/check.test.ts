// p2pmodel check: without --depth the complete search of a world, whose
// holds and never are proofs for every reachable state; with --depth or
// --max-states an incomplete one that claims nothing it did not find.
// The complete search of every preset runs once, in beforeAll.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { catalogue } from '../../properties/catalogue.js';
import { expectationOf } from '../../properties/expected.js';
import { worldDir } from '../../worlds/load.js';
import { cli } from './fake-io.js';

type Run = Awaited<ReturnType<typeof cli>>;

const presets = designs.flatMap((d) => d.presets.map((p) => [d.id, p.name] as const));
const complete = new Map<string, Run>();
const tmp = mkdtempSync(join(tmpdir(), 'p2p-check-'));

beforeAll(async () => {
  for (const [design, preset] of presets) complete.set(`${design} ${preset}`, await cli(['check', '--design', design, '--preset', preset]));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The `complete:` line's numbers. */
const counts = (out: string) => {
  const m = /^complete: (\d+) states, (\d+) transitions, diameter (\d+)$/m.exec(out);
  return m ? { states: Number(m[1]), transitions: Number(m[2]), diameter: Number(m[3]) } : null;
};

/** The printed traces of a check's text, each from its header line to the end of its Reproduce: trailer. */
const tracesOf = (out: string) => out.split(/\n(?=P2P )/).slice(1).map((t) => `${t.trimEnd()}\n`);

/** A trace's Reproduce: command, unfolded. */
const reproduce = (trace: string) => /^Reproduce: ([\s\S]*)$/m.exec(trace)![1]!.replace(/ \\\n +/g, ' ').replace(/\\\n +/g, '').trimEnd();

/** One line on stderr: the search's timing, kept out of stdout. */
const timingOnly = (err: string) => expect(err).toMatch(/^check: \d+\.\d\d s, \d+ states\/s, \d+ bytes\/state\n$/);

describe('p2pmodel check without --depth: the complete search', () => {
  it.each(presets)('%s %s: complete, every holds and never in all N reachable states, exit 0', (design, preset) => {
    const { code, out, err } = complete.get(`${design} ${preset}`)!;
    expect(code).toBe(0);
    timingOnly(err);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`Check ${design} ${preset} world default symmetry on`);
    const n = counts(out);
    expect(n).not.toBeNull();
    expect(n!.transitions).toBeGreaterThan(n!.states);
    expect(out).not.toMatch(/incomplete|UNEXPECTED/);
    expect(lines.filter((l) => l.length > 72)).toEqual([]);
    const observations = lines.filter((l) => l.startsWith('Observation '));
    expect(observations).toHaveLength(catalogue.length);
    let found = 0;
    for (const [i, p] of catalogue.entries()) {
      const expected = expectationOf(design, preset, p.id)!.verdict;
      const words = observations[i]!.split(/\s+/).slice(1).join(' ');
      if (expected === 'holds' || expected === 'never') expect(words).toBe(`${p.id} ${expected} in all ${n!.states} reachable states`);
      else {
        expect(words).toMatch(new RegExp(`^${p.id} ${expected} shortest \\d+$`));
        found++;
      }
    }
    // a shortest trace for each violation or witness, reproducible by the command it names
    const traces = tracesOf(out);
    expect(traces).toHaveLength(found);
    for (const t of traces) expect(reproduce(t)).toBe(`npx p2pmodel check --design ${design} --preset ${preset}`);
  });

  it('every shortest trace replays to its verdict, as long as its Observation says', async () => {
    for (const [column, { out }] of complete)
      for (const t of tracesOf(out)) {
        const r = await cli(['replay', '-'], t);
        expect([r.code, r.err], column).toEqual([0, '']);
        const property = /^Result: (\S+)/m.exec(t)![1]!;
        const steps = t.split('\n').filter((l) => / -> \S+$/.test(l)).length;
        expect(out, column).toMatch(new RegExp(`^Observation ${property} +\\S+ shortest ${steps}$`, 'm'));
      }
  });

  it('--json: complete, no bound, a verdict for every property, the counts of the text', async () => {
    const { code, out } = await cli(['check', '--design', 'vma-p2p', '--preset', 'exporter-no-wait', '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ design: 'vma-p2p', preset: 'exporter-no-wait', world: 'default', symmetry: true, complete: true, stoppedBy: null });
    expect(json).toMatchObject(counts(complete.get('vma-p2p exporter-no-wait')!.out)!);
    for (const r of json.results) {
      expect(r.verdict, r.property).toBe(r.expected);
      if (r.verdict === 'violated' || r.verdict === 'sometimes') expect(r.trace.split('\n').filter((l: string) => / -> /.test(l))).toHaveLength(r.length);
      else expect(r.trace).toBeUndefined();
    }
  });
});

describe('p2pmodel check with a bound: incomplete, never a bare holds', () => {
  it('--depth N: the Observations say within depth N (incomplete); exit 1 where the table needs more', async () => {
    const { code, out } = await cli(['check', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--depth', '2']);
    expect(code).toBe(1);
    expect(out).toMatch(/^incomplete \(stopped by --depth 2\): \d+ states, \d+ transitions, depth 2$/m);
    expect(out).not.toMatch(/complete:|reachable states| holds$| never$/m);
    expect(out).toMatch(/^Observation dma-to-live-allocation\n {4}no violation within depth 2 \(incomplete\)$/m);
    expect(out).toMatch(/^Observation no-kernel-cpu-access +violated shortest 2$/m);
    expect(out).toMatch(/^Observation rdma-mr-on-bar\n {4}not witnessed within depth 2 \(incomplete\)\n {4}UNEXPECTED \(expected sometimes\)$/m);
    expect(out.split('\n').filter((l) => l.length > 72)).toEqual([]);
    for (const t of tracesOf(out)) expect(reproduce(t)).toBe('npx p2pmodel check --design struct-page --preset lsfmm-2020 --depth 2');
  });

  it('--depth N --json: complete false, verdict null for every cell it did not prove', async () => {
    const { code, out } = await cli(['check', '--design', 'struct-page', '--preset', 'mainline', '--depth', '3', '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ complete: false, stoppedBy: 'depth', diameter: 3 });
    const verdicts = Object.fromEntries(json.results.map((r: { property: string; verdict: string | null }) => [r.property, r.verdict]));
    expect(verdicts).toEqual({
      ...Object.fromEntries(catalogue.map((p) => [p.id, null])),
      'unbind-completes': 'violated',
      'evict-completes': 'violated',
      'odirect-to-bar': 'sometimes',
      'rdma-mr-on-bar': 'sometimes',
      'p2p-dma': 'sometimes',
    });
  });

  it('--max-states: stopped by the memory bound, within the states it reached', async () => {
    const { code, out } = await cli(['check', '--design', 'struct-page', '--preset', 'lsfmm-2020', '--max-states', '100']);
    expect(code).toBe(out.includes('UNEXPECTED') ? 1 : 0);
    const m = /^incomplete \(stopped by --max-states\): (\d+) states/m.exec(out);
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(100);
    expect(out).toMatch(new RegExp(`^Observation no-leak\\n {4}no violation within ${m![1]} states \\(incomplete\\)$`, 'm'));
    for (const t of tracesOf(out)) expect(reproduce(t)).toBe('npx p2pmodel check --design struct-page --preset lsfmm-2020 --max-states 100');
    // a longer bound makes a longer summary line: folded within 72 columns
    const wide = (await cli(['check', '--design', 'struct-page', '--max-states', '1000'])).out;
    expect(wide).toMatch(/^incomplete \(stopped by --max-states\): \d+ states, \d+ transitions,\n {2}depth \d+$/m);
    expect(wide.split('\n').filter((l) => l.length > 72)).toEqual([]);
  });
});

describe('p2pmodel check --world', () => {
  it('minimal: the search of that world, named in the header and in every Reproduce: line', async () => {
    const { code, out } = await cli(['check', '--design', 'vma-p2p', '--preset', 'exporter-no-wait', '--world', 'minimal']);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('Check vma-p2p exporter-no-wait world minimal symmetry on');
    expect(counts(out)!.states).not.toBe(counts(complete.get('vma-p2p exporter-no-wait')!.out)!.states);
    const traces = tracesOf(out);
    expect(traces.length).toBeGreaterThan(0);
    for (const t of traces) {
      expect(reproduce(t)).toBe('npx p2pmodel check --design vma-p2p --preset exporter-no-wait --world minimal');
      expect(t).toContain('  limits: 2 vmas, 1 mr, 1 fd, 1 bio, 1 allocation, 0 faults\n');
      expect((await cli(['replay', '-'], t)).code).toBe(0);
    }
  });

  it('FILE: a world file searches as the shipped world it copies', async () => {
    const file = join(tmp, 'my-routes.txt');
    writeFileSync(file, readFileSync(join(worldDir, 'routes.txt'), 'utf8'));
    const argv = ['check', '--design', 'vma-p2p', '--preset', 'legacy-importer'];
    const shipped = await cli([...argv, '--world', 'routes']);
    const own = await cli([...argv, '--world', file]);
    expect([own.code, shipped.code]).toEqual([0, 0]);
    // the header folds within 72 columns: a long path takes lines of its own
    const [head, rest] = own.out.split(/\n(?=complete:)/);
    expect(head!.replace(/\n +/g, ' ')).toBe(`Check vma-p2p legacy-importer world ${file} symmetry on`);
    expect(`${shipped.out.split('\n')[0]}\n${rest!.replaceAll(file, 'routes')}`).toBe(shipped.out);
  });

  it('a header with many --knob overrides folds within 72 columns, each override whole', async () => {
    const knobs = ['importer=ignores', 'revoke_fence=deferred', 'exporter_waits=always'].flatMap((k) => ['--knob', k]);
    const { out } = await cli(['check', '--design', 'vma-p2p', '--depth', '2', ...knobs]);
    const head = out.split(/\n(?=incomplete)/)[0]!;
    expect(head.split('\n').length).toBeGreaterThan(1);
    expect(head.split('\n').filter((l) => l.length > 72)).toEqual([]);
    expect(head.replace(/\n +/g, ' ')).toBe('Check vma-p2p rfc-2019 --knob importer=ignores --knob revoke_fence=deferred --knob exporter_waits=always world default symmetry on');
  });

  it('nope: a usage error, one line naming the shipped worlds, exit 2', async () => {
    const { code, out, err } = await cli(['check', '--design', 'vma-p2p', '--world', 'nope']);
    expect([code, out]).toEqual([2, '']);
    expect(err).toBe("p2pmodel: --world: no shipped world 'nope' (one of: default, minimal, routes) and no file: ENOENT\n");
  });

  it('a malformed world file: FILE:LINE: expected ..., exit 2', async () => {
    const file = join(tmp, 'twice.txt');
    const text = readFileSync(join(worldDir, 'default.txt'), 'utf8').replace('1 fault', '1 fault, 2 vmas');
    writeFileSync(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('limits:')) + 1;
    const { code, out, err } = await cli(['check', '--design', 'vma-p2p', '--world', file]);
    expect([code, out]).toEqual([2, '']);
    expect(err).toBe(`p2pmodel: ${file}:${line}: expected each limit once, got vmas twice\n`);
  });
});

describe('p2pmodel check: bad input', () => {
  it.each([
    [['check'], /^p2pmodel: --design is required/],
    [['check', '--design', 'struct-page', '--depth', 'x'], /^p2pmodel: --depth: expected a whole number from 1 to \d+, got 'x'$/],
    [['check', '--design', 'struct-page', '--depth', '0'], /^p2pmodel: --depth: expected a whole number from 1 to \d+, got '0'$/],
    [['check', '--design', 'nope'], /^p2pmodel: --design: unknown design 'nope'/],
    [['check', '--design', 'struct-page', '--max-states', 'lots'], /^p2pmodel: --max-states: expected a whole number from 1 to \d+, got 'lots'$/],
  ])('%j exits 2 with one line', async (argv, message) => {
    const { code, out, err } = await cli(argv);
    expect([code, out]).toEqual([2, '']);
    expect(err.trimEnd()).toMatch(message);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });
});
