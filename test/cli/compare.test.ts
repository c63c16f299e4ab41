// p2pmodel compare through the CLI's run(): one sequence on every preset
// of every design by default, or the designs and presets named; a trace
// by hand, a file of several, a scenario; --json; bad options.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { scenarioDir } from '../../scenarios/load.js';
import { cli } from './fake-io.js';

const byHand = 'P2P struct-page mainline\n\n1 p0 mmap(e0, 1, MAP_SHARED, 0) -> ?\n2 p0 ibv_reg_mr(nic0, vma0) -> ?\n3 e0 unbind() -> 0\n4 e0 unbind_finish() -> ?\n';
const presets = designs.flatMap((d) => d.presets.map((p) => `${d.id} ${p.name}`));
const fits = (text: string) => text.split('\n').every((l) => l.length <= 72);

describe('p2pmodel compare', () => {
  it('by default on every preset of every design: each in a legend, within 72 columns, exit 0', async () => {
    const { code, out, err } = await cli(['compare', '-'], byHand);
    expect([code, err]).toEqual([0, '']);
    expect(fits(out)).toBe(true);
    expect(out).toMatch(new RegExp(`^compare <stdin>: the steps of a struct-page mainline trace, 4 steps on\n {2}${presets.length} presets$`, 'm'));
    const flat = out.replace(/\s+/g, ' ');
    for (const p of presets) expect(flat).toContain(` ${p}`);
    // the steps listed once, the rows by number
    expect(out).toContain('  1  p0  mmap(e0, 1, MAP_SHARED, 0)\n  2  p0  ibv_reg_mr(nic0, vma0)\n');
    expect(out).toMatch(/^step 2 +-EREMOTEIO +mr0 +-EREMOTEIO +-EREMOTEIO$/m);
    expect(out).toMatch(/^unbind-completes +holds +violated@3 +holds +holds$/m);
    expect(out).toContain('Returns differ at steps 2, 4.\nVerdicts differ on accounting-consistent, unbind-completes.\n');
  });

  it('--design D/P twice: two columns beside the calls', async () => {
    const { code, out } = await cli(['compare', '--design', 'struct-page/lsfmm-2020', '--design', 'vma-p2p/rfc-2019', '-'], byHand);
    expect(code).toBe(0);
    expect(fits(out)).toBe(true);
    expect(out).toContain(
      [
        '                                     A2          B1',
        '  1  p0  mmap(e0, 1, MAP_SHARED, 0)  vma0        vma0',
        '  2  p0  ibv_reg_mr(nic0, vma0)      mr0         -EFAULT',
        '  3  e0  unbind()                    0           0',
        '  4  e0  unbind_finish()             -EBUSY      0',
        'unbind-completes                     violated@3  holds',
        'A2 struct-page lsfmm-2020, B1 vma-p2p rfc-2019',
      ].join('\n'),
    );
  });

  it('--design D: every preset of D, in its order, once each', async () => {
    const json = JSON.parse((await cli(['compare', '--design', 'vma-p2p', '--design', 'vma-p2p/as-posted', '--json', '-'], byHand)).out);
    const vp = designs.find((d) => d.id === 'vma-p2p')!;
    expect(json.traces[0].columns.map((c: { preset: string }) => c.preset)).toEqual(vp.presets.map((p) => p.name));
  });

  it('--json: the file and an entry per trace: its steps, each column\'s returns and observations, what differs', async () => {
    const { code, out } = await cli(['compare', '--design', 'struct-page', '--json', '-'], byHand);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(Object.keys(json)).toEqual(['file', 'traces']);
    const [t] = json.traces;
    expect(Object.keys(t)).toEqual(['kind', 'line', 'scenario', 'steps', 'columns', 'differ']);
    expect(t.steps[1]).toEqual({ n: 2, line: 4, call: 'p0: ibv_reg_mr(nic0, vma0)' });
    expect(t.columns[1]).toMatchObject({ code: 'A2', design: 'struct-page', preset: 'lsfmm-2020', returns: ['vma0', 'mr0', '0', '-EBUSY'] });
    expect(t.columns[1].observations.find((o: { property: string }) => o.property === 'unbind-completes')).toMatchObject({ verdict: 'violated', step: 3 });
    expect(t.differ).toEqual({ steps: [2, 4], properties: ['accounting-consistent', 'unbind-completes'] });
  });

  it('a scenario file, and a file of several: each compared, named by its line', async () => {
    const scenario = readFileSync(join(scenarioDir, 'vp-b-eviction.txt'), 'utf8');
    const { code, out } = await cli(['compare', '--design', 'vma-p2p', '-'], `${byHand}\n${scenario}`);
    expect(code).toBe(0);
    expect(fits(out)).toBe(true);
    expect(out).toContain('compare <stdin> (line 1): the steps of a struct-page mainline trace');
    expect(out).toContain(`compare <stdin> (line ${byHand.split('\n').length + 1}): scenario vp-b-eviction, 10 steps on 4 presets\n`);
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown design', ['--design', 'hmm'], /^p2pmodel: --design: unknown design 'hmm'/],
    ['an unknown preset', ['--design', 'vma-p2p/mainline'], /^p2pmodel: --design: unknown preset 'mainline' of vma-p2p/],
    ['an unknown option', ['--preset', 'mainline'], /^p2pmodel: unknown option '--preset'$/],
    ['a missing world', ['--world', 'nowhere'], /^p2pmodel: --world: no shipped world 'nowhere'/],
  ])('bad options: %s, exit 2', async (_name, argv, message) => {
    const { code, out, err } = await cli(['compare', ...argv, '-'], byHand);
    expect([code, out]).toEqual([2, '']);
    expect(err.trimEnd()).toMatch(message);
  });
});
