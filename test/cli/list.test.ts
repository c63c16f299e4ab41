import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
import { actionKinds } from '../../model/vocabulary.js';
import { propertyIds } from '../../properties/catalogue.js';
import { cli } from './fake-io.js';

describe('p2pmodel list', () => {
  it('--json names every design with its presets and knobs, and all 11 properties', async () => {
    const { code, out } = await cli(['list', '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.designs.map((d: { id: string }) => d.id)).toEqual(designs.map((d) => d.id));
    const sp = json.designs.find((d: { id: string }) => d.id === 'struct-page');
    expect(sp.presets.map((p: { name: string }) => p.name)).toEqual([
      'mainline',
      'lsfmm-2020',
      'bug-insert-leak',
      'bug-zone-device-refcount',
    ]);
    for (const k of sp.knobs) expect(k.cite.length).toBeGreaterThan(0);
    expect(json.properties.map((p: { id: string }) => p.id)).toEqual([...propertyIds]);
    expect(json.properties).toHaveLength(11);
  });

  it('text names every preset and property', async () => {
    const { code, out } = await cli(['list']);
    expect(code).toBe(0);
    for (const id of propertyIds) expect(out).toContain(id);
    expect(out).toContain('bug-zone-device-refcount');
  });
});

describe('p2pmodel list: what a user reads', () => {
  it('fits 72 columns but for a URL, kept whole on a line of its own; each design once, with its presets and what they set, its knobs and their sources; the worlds', async () => {
    const { out } = await cli(['list']);
    const long = out.split('\n').filter((l) => l.length > 72);
    expect(long.length).toBeGreaterThan(0);
    for (const l of long) expect(l).toMatch(/^ {8}\(?https:\/\/lore\.kernel\.org\/r\/\S+$/);
    expect(out).toContain('\n        (https://lore.kernel.org/r/20260121-vfio-add-pin-v1-1-4e04916b17f1@nvidia.com);\n');
    expect(out).not.toMatch(/\\$/m);
    for (const d of designs) {
      expect(out.split('\n').filter((l) => l.startsWith(`${d.id}:`))).toHaveLength(1);
      for (const p of d.presets) expect(out).toMatch(new RegExp(`\\n {4}${p.name}( \\(default\\))?\\n`));
      for (const k of d.knobs) expect(out).toContain(`    ${k.name}=${k.values.join('|')} (default ${k.default})`);
    }
    expect(out).toContain('      sets: gup_p2pdma_gate=off longterm_p2pdma=allowed');
    expect(out.match(/^ {6}source:/gm)?.length).toBe(designs.reduce((n, d) => n + d.knobs.length, 0));
    expect(out).toMatch(/^worlds \(--world NAME, or a world file\)\n {2}default: .*\n[\s\S]* {2}minimal: [\s\S]* {2}routes: /m);
  });

  it('--calls: every call of a trace, its actor, the kernel function, what each design returned; 72 columns', async () => {
    const { out } = await cli(['list', '--calls']);
    expect(out.split('\n').filter((l) => l.length > 72)).toEqual([]);
    const json = JSON.parse((await cli(['list', '--calls', '--json'])).out);
    expect(json.map((c: { kind: string }) => c.kind)).toEqual([...actionKinds]);
    for (const c of json) {
      expect(out).toContain(`\n${c.usage}\n  actor: `);
      expect(Object.keys(c.returns)).toEqual(designs.map((d) => d.id));
    }
    expect(out).toMatch(/\nunbind_finish\(\)\n {2}actor: the exporter[\s\S]*? {2}struct-page: 0 -EBUSY/);
  });
});
