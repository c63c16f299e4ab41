// npm run calls: the call reference's returns, from the complete search
// of the default world on every preset of every design (every action
// tried in every reachable state, the inert ones included). Writes
// docs/calls.json, which `p2pmodel list --calls` shows, and the copy of
// that reference in docs/trace-format.md; npm test fails when either is
// out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { callsText } from '../cli/list.js';
import { designs } from '../model/designs.js';
import { defaultConfig } from '../model/vocabulary.js';
import { observedReturns } from '../properties/returns.js';

const BEGIN = '<!-- p2pmodel list --calls: begin -->';
const END = '<!-- p2pmodel list --calls: end -->';

/** `doc` with the text between its call-reference markers replaced by `reference`, fenced. */
function withCallReference(doc: string, reference: string): string {
  const [begin, end] = [doc.indexOf(BEGIN), doc.indexOf(END)];
  if (begin < 0 || end < begin) throw new Error(`docs/trace-format.md: the markers '${BEGIN}' and '${END}' are gone`);
  return `${doc.slice(0, begin + BEGIN.length)}\n\n\`\`\`\n${reference}\`\`\`\n\n${doc.slice(end)}`;
}

const returns = Object.fromEntries(designs.map((d) => [d.id, observedReturns(d, defaultConfig)]));
writeFileSync(new URL('../docs/calls.json', import.meta.url), `${JSON.stringify(returns, null, 2)}\n`);
const doc = new URL('../docs/trace-format.md', import.meta.url);
writeFileSync(doc, withCallReference(readFileSync(doc, 'utf8'), callsText()));
process.stdout.write('docs/calls.json and docs/trace-format.md written\n');
