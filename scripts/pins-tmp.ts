import { resolveKnobs } from '../model/design.js';
import { designs } from '../model/designs.js';
import { checkExhaustive } from '../properties/exhaustive.js';
import { loadWorld } from '../worlds/load.js';
const fmt = (n: number) => n.toLocaleString('en-US').replace(/,/g, '_');
for (const world of ['default', 'minimal', 'routes']) {
  const { config } = loadWorld(world);
  console.log(`  ${world}: {`);
  for (const d of designs)
    for (const p of d.presets) {
      const r = checkExhaustive(d, config, resolveKnobs(d, p), { symmetry: true });
      console.log(`    '${d.id}/${p.name}': size(${fmt(r.states)}, ${fmt(r.transitions)}, ${r.diameter}), // ${r.seconds.toFixed(1)} s`);
    }
  console.log('  },');
}
