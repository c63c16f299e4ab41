// docs/trace-format.md is what a newcomer writes a trace from: every
// trace on it replays as it says, its copy of the call reference is what
// `p2pmodel list --calls` prints, and its default world is worlds/default.txt.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../model/vocabulary.js';
import { parseTrace } from '../../trace/parse.js';
import { cli } from '../cli/fake-io.js';

const doc = readFileSync(new URL('../../docs/trace-format.md', import.meta.url), 'utf8');
const fenced = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!);
const traces = fenced.filter((b) => b.startsWith('P2P '));

describe('docs/trace-format.md', () => {
  it('shows traces: the smallest, one with unknowns, a complete one, one with its own world', () => {
    expect(traces.length).toBeGreaterThanOrEqual(4);
  });

  it.each(traces.map((t) => [t.split('\n')[0]!, t] as const))('%s: replays, and fills in what it leaves to ?', async (_header, text) => {
    const replay = await cli(['replay', '-'], text);
    expect([replay.code, replay.err]).toEqual([0, '']);
    expect(replay.out).toMatch(/^Reproduced\.$/m);
    const filled = await cli(['replay', '--fill', '-'], text);
    expect(filled.code).toBe(0);
    expect(filled.out).not.toMatch(/-> \?/);
    expect((await cli(['replay', '-'], filled.out)).out).not.toMatch(/unknown/);
  });

  it('its call reference is what p2pmodel list --calls prints', async () => {
    const reference = /<!-- p2pmodel list --calls: begin -->\n\n```\n([\s\S]*?)```\n\n<!-- p2pmodel list --calls: end -->/.exec(doc);
    expect(reference, 'npm run calls writes it').not.toBeNull();
    expect(reference![1]).toBe((await cli(['list', '--calls'])).out);
  });

  it('its default world is the one a trace without a config block runs in', () => {
    const block = fenced.find((b) => b.startsWith('{\n'))!;
    expect(parseTrace(`P2P struct-page mainline\n${block}\n  1  p0  fork()  -> p1\n`).config).toEqual(defaultConfig);
  });
});
