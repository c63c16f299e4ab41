// A Stryker ignorer (stryker.config.mjs) for the model's prose: the doc
// and cite of knobs and presets, design titles, property statements and
// links, and the reasons of properties/expected.ts. They are printed for
// people (p2pmodel list, trace comments and Link: trailers) and no
// behaviour depends on them, so mutating them measures proof-reading,
// not tests. Only these are skipped: every other string (errnos, audit
// and held messages, finding details) is mutated.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** Object properties whose values are prose. */
const proseKeys = new Set(['doc', 'cite', 'title', 'statement', 'links', 'reason']);
/** properties/expected.ts: holds('why') and friends; the verdict inside them is still mutated. */
const reasonHelpers = new Set(['holds', 'violated', 'sometimes', 'never']);
/** properties/catalogue.ts: the link builders. */
const linkBuilders = new Set(['lore', 'commit']);

const nameOf = (node) => (node?.type === 'Identifier' ? node.name : node?.type === 'StringLiteral' ? node.value : undefined);

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'prose', {
    shouldIgnore(path) {
      const node = path.node;
      if (node.type === 'ObjectProperty' && proseKeys.has(nameOf(node.key))) return 'documentation prose';
      if (node.type === 'VariableDeclarator' && linkBuilders.has(nameOf(node.id))) return 'documentation prose (link builder)';
      if (node.type === 'StringLiteral' && path.parent?.type === 'CallExpression' && reasonHelpers.has(nameOf(path.parent.callee)))
        return 'documentation prose (expected-table reason)';
      return undefined;
    },
  }),
];
