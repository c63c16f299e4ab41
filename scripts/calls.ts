// npm run calls: the call reference's returns, from the complete search
// of the default world on every preset of every design (every action
// tried in every reachable state, the inert ones included). Writes
// docs/calls.json, which `p2pmodel list --calls` and
// docs/trace-format.md show; npm test fails when it is out of date.
import { writeFileSync } from 'node:fs';
import { designs } from '../model/designs.js';
import { defaultConfig } from '../model/vocabulary.js';
import { observedReturns } from '../properties/returns.js';

const returns = Object.fromEntries(designs.map((d) => [d.id, observedReturns(d, defaultConfig)]));
writeFileSync(new URL('../docs/calls.json', import.meta.url), `${JSON.stringify(returns, null, 2)}\n`);
process.stdout.write('docs/calls.json written\n');
