// Shared by the trace tests: an in-process CLI, generators of traces
// run through every registered design, and mail damage.
import fc from 'fast-check';
import { type Design, resolveKnobs } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { type Config, type ImporterConfig, type Limits, limitWords, type Route } from '../../model/vocabulary.js';
import { fromPicks, picksArb } from '../../properties/arbitrary.js';
import { catalogue, type Property } from '../../properties/catalogue.js';
import { evaluate } from '../../properties/evaluate.js';
import { explore, type Verdict } from '../../properties/explore.js';
import { type Trace, traceFromResult } from '../../trace/trace.js';

export { cli } from '../cli/fake-io.js';

// --- mail -------------------------------------------------------------------

const quote = (text: string, prefix: string) =>
  text
    .split('\n')
    .map((l, i, all) => (i === all.length - 1 && l === '' ? '' : (prefix + l).trimEnd()))
    .join('\n');

const crlf = (text: string) => text.replace(/\n/g, '\r\n');

const inReply = (text: string) =>
  'On Tue, 7 Feb 2020, Jason Gunthorpe wrote:\n> P2P pages under GUP are fine.\n\n' +
  'They are not; the model finds this:\n\n' +
  text +
  '\nSo the gate has to stay.\n\nThanks,\nLogan\n-- \nSent from a phone   \n  P2P is fun\n';

/** Every way the tests damage a trace the way mail does. */
export function mangled(text: string): Record<string, string> {
  return {
    'quoted >> ': quote(text, '>> '),
    'quoted > > ': quote(text, '> > '),
    'quoted >>> without space': quote(text, '>>>'),
    'CRLF': crlf(text),
    'trailing spaces': text.replace(/\n/g, '   \n'),
    'prose and signature': inReply(text),
    'indented as a block': inReply(quote(text, '    ')),
    'all of it': crlf(inReply(quote(text, '>> '))),
  };
}

// --- random traces ----------------------------------------------------------

const word = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength });

/** Printable ASCII text without leading/trailing spaces: what the tool produces, and then some. */
export const textArb = fc
  .array(fc.oneof({ weight: 8, arbitrary: word(12) }, { weight: 1, arbitrary: word(160) }), { maxLength: 14 })
  .chain((words) =>
    fc.array(fc.constantFrom(' ', ' ', ' ', '  '), { minLength: words.length, maxLength: words.length }).map((seps) =>
      words.map((w, i) => (i === 0 ? w : seps[i]! + w)).join(''),
    ),
  );

const routeArb: fc.Arbitrary<Route> = fc.constantFrom('bus-addr', 'host-bridge', 'none');

/** Any limits a `limits:` line may set, each within its range. */
const limitsArb: fc.Arbitrary<Limits> = fc
  .tuple(...limitWords.map((w) => fc.integer({ min: w.min, max: w.max })))
  .map((ns) => Object.fromEntries(limitWords.map((w, i) => [w.limit, ns[i]!])) as unknown as Limits);

const configArb: fc.Arbitrary<Config> = fc
  .record({
    exporters: fc.uniqueArray(
      fc.record({ name: fc.constantFrom('e0', 'e1', 'e2', 'gpu0', 'vram-of-a-very-long-name'), pages: fc.integer({ min: 1, max: 3 }) }),
      { minLength: 1, maxLength: 3, selector: (e) => e.name },
    ),
    importers: fc.uniqueArray(
      fc.oneof(
        fc.record({ kind: fc.constant('nvme' as const), name: fc.constantFrom('nvme0', 'nvme1', 'nvme-fabrics-target9'), p2pQueue: fc.boolean() }),
        fc.record({ kind: fc.constant('rdma' as const), name: fc.constantFrom('nic0', 'nic1', 'mlx5_0'), odp: fc.boolean() }),
      ) as fc.Arbitrary<ImporterConfig>,
      { maxLength: 4, selector: (i) => i.name },
    ),
    iommu: fc.boolean(),
    processes: fc.integer({ min: 1, max: 3 }),
    limits: limitsArb,
  })
  .chain((c) =>
    fc
      .array(fc.array(routeArb, { minLength: c.exporters.length, maxLength: c.exporters.length }), {
        minLength: c.importers.length,
        maxLength: c.importers.length,
      })
      .map((routes): Config => ({
        // plain objects: fc.record's have a null prototype, which strict equality tells apart
        exporters: c.exporters.map((e) => ({ name: e.name, pages: e.pages })),
        importers: c.importers.map((i) =>
          i.kind === 'nvme' ? { kind: i.kind, name: i.name, p2pQueue: i.p2pQueue } : { kind: i.kind, name: i.name, odp: i.odp },
        ),
        routes,
        iommu: c.iommu,
        processes: c.processes,
        limits: c.limits,
      })),
  );

const verdictsOf = (p: Property): Verdict[] => (p.kind === 'capability' ? ['sometimes', 'never'] : ['holds', 'violated']);

const overridesArb = (design: Design) =>
  fc
    .subarray([...design.knobs])
    .chain((specs) => fc.tuple(...specs.map((k) => fc.constantFrom(...k.values).map((v) => [k.name, v] as const))))
    .map((pairs) => Object.fromEntries(pairs));

/** A trace from running random picks through a registered design, with random presentation fields. */
export const traceArb: fc.Arbitrary<Trace> = fc
  .constantFrom(...designs)
  .chain((design) =>
    fc.record({
      design: fc.constant(design),
      preset: fc.constantFrom(...design.presets),
      overrides: overridesArb(design),
      config: fc.oneof(configArb),
      picks: fc.array(picksArb(16), { minLength: 3, maxLength: 8 }).map((chunks) => chunks.flat()),
      whole: fc.boolean(),
      property: fc.constantFrom(...catalogue),
      verdictPick: fc.nat(),
      detail: fc.option(textArb),
      links: fc.option(fc.array(textArb, { maxLength: 3 })),
      command: fc.option(textArb),
    }),
  )
  .map((g): Trace => {
    const knobs = resolveKnobs(g.design, g.preset, g.overrides);
    const ev = evaluate(g.design, g.config, knobs, fromPicks(g.design, g.picks), [g.property]);
    const finding = ev.findings.get(g.property.id);
    const whole = evaluate(g.design, g.config, knobs, fromPicks(g.design, g.picks), [g.property], { toEnd: true });
    const verdicts = verdictsOf(g.property);
    return {
      design: g.design.id,
      preset: g.preset.name,
      overrides: g.overrides,
      config: g.config,
      property: g.property.id,
      verdict: verdicts[g.verdictPick % 2]!,
      detail: g.detail ?? finding?.detail ?? 'no finding',
      steps: g.whole || !finding ? whole.steps : finding.steps,
      links: g.links ?? g.property.links,
      command: g.command ?? `p2pmodel explore --design ${g.design.id} --preset ${g.preset.name} --property ${g.property.id}`,
    };
  });

// --- explore traces ---------------------------------------------------------

export interface Found {
  readonly label: string;
  readonly verdict: Verdict;
  readonly trace: Trace;
}

let cache: Found[] | undefined;

/** Every counterexample and witness of every preset of every registered design (2000 runs, seed 42). */
export function exploreTraces(): Found[] {
  if (cache) return cache;
  cache = [];
  for (const design of designs)
    for (const preset of design.presets) {
      const run = explore({ design, preset: preset.name, runs: 2000, seed: 42 });
      for (const r of run.results) {
        const trace = traceFromResult(run, r);
        if (trace) cache.push({ label: `${design.id} ${preset.name} ${r.property}`, verdict: r.verdict, trace });
      }
    }
  return cache;
}
