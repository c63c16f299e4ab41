import { describe, expect, it } from 'vitest';
import { designs } from '../../model/designs.js';
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
