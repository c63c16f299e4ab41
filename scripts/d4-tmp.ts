import { resolveKnobs } from '../model/design.js';
import { designs } from '../model/designs.js';
import { defaultConfig } from '../model/vocabulary.js';
import { checkExhaustive } from '../properties/exhaustive.js';
const d = designs.find((x) => x.id === 'dma-buf')!;
for (const p of d.presets) {
  const k = resolveKnobs(d, p);
  const a = checkExhaustive(d, defaultConfig, k, { depth: 4, symmetry: true });
  const b = checkExhaustive(d, defaultConfig, k, { depth: 4, symmetry: false });
  console.log(`    ['dma-buf', '${p.name}', ${a.states}, ${a.transitions}, ${b.states}, ${b.transitions}],`);
}
