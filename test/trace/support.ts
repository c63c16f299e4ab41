// Shared by the trace tests: what mail does to text, generators of
// traces run through every registered design, and every trace the tool
// prints (explore's and check's, through the CLI, and the scenario files).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { type Design, resolveKnobs } from '../../model/design.js';
import { designs } from '../../model/designs.js';
import { type Config, type ImporterConfig, type Limits, limitWords, type Route } from '../../model/vocabulary.js';
import { fromPicks, picksArb } from '../../properties/arbitrary.js';
import { catalogue, type Property } from '../../properties/catalogue.js';
import { evaluate } from '../../properties/evaluate.js';
import type { Verdict } from '../../properties/explore.js';
import { scenarioFiles } from '../../scenarios/load.js';
import type { Trace } from '../../trace/trace.js';
import { cli } from '../cli/fake-io.js';

export { cli };

// --- mail -------------------------------------------------------------------

/** Prefix every line, as a reply quotes; blank lines lose their trailing space, as mail clients do. */
export const quote = (text: string, prefix: string) =>
  text
    .split('\n')
    .map((l, i, all) => (i === all.length - 1 && l === '' ? '' : (prefix + l).trimEnd()))
    .join('\n');

/**
 * GNU `fold -s -w width`: a longer line breaks after the last space
 * within the width (the space stays on the first part), or at the width
 * in a word that long; the rest starts at column 0, unquoted.
 */
export function foldS(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const out: string[] = [];
      let rest = line;
      while (rest.length > width) {
        const space = rest.lastIndexOf(' ', width - 1);
        const cut = space >= 0 ? space + 1 : width;
        out.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      return [...out, rest];
    })
    .join('\n');
}

/**
 * A mail client's re-wrap: a longer line breaks at its last space within
 * the width, the space dropped; the rest is quoted again and loses its
 * indent. A word longer than the line stays whole.
 */
function reflow(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const prefix = /^(?:> ?)*/.exec(line)![0];
      const room = width - prefix.length;
      const out: string[] = [];
      let rest = line.slice(prefix.length);
      for (let space = rest.lastIndexOf(' ', room); rest.length > room && space > 0; space = rest.lastIndexOf(' ', room)) {
        out.push((prefix + rest.slice(0, space)).trimEnd());
        rest = rest.slice(space + 1).trimStart();
      }
      return [...out, prefix + rest];
    })
    .join('\n');
}

/** Cut every Link:/Reproduce: trailer and its continuation lines, as a reply trims them. */
export const dropTrailers = (text: string) => {
  let dropping = false;
  return text
    .split('\n')
    .filter((l) => {
      if (/^(?:Link|Reproduce):/.test(l)) dropping = true;
      else if (l === '' || /^\S/.test(l)) dropping = false;
      return !dropping;
    })
    .join('\n');
};

const PROSE_BEFORE = 'On Tue, 7 Feb 2020, Jason Gunthorpe wrote:\n> P2P pages under GUP are fine.\n\nThey are not; the model finds this:\n\n';
const PROSE_AFTER = '\nSo the gate has to stay.\n\nThanks,\nLogan\n';
const SIGNATURE = '-- \nSent from a phone\n  P2P is fun\n';

/** One way mail may have had a text, in the order it happens. */
export interface Mangle {
  readonly dropTrailers: boolean;
  /** Indented as a code block, as web pages and some mails show it. */
  readonly indent: boolean;
  /** One prefix per reply that quoted it, innermost first. */
  readonly quotes: readonly string[];
  /** How each reply re-wrapped it, and at which width. */
  readonly wrap: { readonly how: 'fold' | 'reflow'; readonly width: number } | null;
  readonly prose: boolean;
  readonly signature: boolean;
  /** A client that made every line a paragraph (HTML to text) put a blank line under each. */
  readonly doubleSpaced: boolean;
  readonly trailingSpaces: boolean;
  /** The raw message as lore serves it: the body quoted-printable, its header saying so. */
  readonly qp: boolean;
  readonly crlf: boolean;
}

/** Quoted-printable: `=` as `=3D`, lines over 76 characters soft-broken with `=` (never inside an `=XX`). */
function quotedPrintable(text: string): string {
  const body = text.split('\n').map((line) => {
    const pieces: string[] = [];
    let rest = line.replace(/=/g, '=3D');
    while (rest.length > 76) {
      let cut = 75;
      while (rest[cut - 1] === '=' || rest[cut - 2] === '=') cut--;
      pieces.push(`${rest.slice(0, cut)}=`);
      rest = rest.slice(cut);
    }
    return [...pieces, rest].join('\n');
  });
  return `Content-Transfer-Encoding: quoted-printable\n\n${body.join('\n')}`;
}

export function mangle(text: string, m: Mangle): string {
  let t = m.dropTrailers ? dropTrailers(text) : text;
  if (m.indent) t = quote(t, '    ');
  if (m.prose) t = PROSE_BEFORE + t + PROSE_AFTER;
  if (m.signature) t += SIGNATURE;
  for (const prefix of m.quotes) {
    t = quote(t, prefix);
    if (m.wrap) t = m.wrap.how === 'fold' ? foldS(t, m.wrap.width) : reflow(t, m.wrap.width);
  }
  if (m.doubleSpaced) t = t.replace(/\n/g, '\n\n');
  if (m.trailingSpaces) t = t.replace(/\n/g, '   \n');
  if (m.qp) t = quotedPrintable(t);
  return m.crlf ? t.replace(/\n/g, '\r\n') : t;
}

export const mangleArb: fc.Arbitrary<Mangle> = fc.record({
  dropTrailers: fc.boolean(),
  indent: fc.boolean(),
  quotes: fc.array(fc.constantFrom('> ', '>', '> > ', '>> '), { minLength: 1, maxLength: 3 }),
  wrap: fc.option(fc.record({ how: fc.constantFrom('fold' as const, 'reflow' as const), width: fc.integer({ min: 60, max: 78 }) }), { freq: 4 }),
  prose: fc.boolean(),
  signature: fc.boolean(),
  doubleSpaced: fc.boolean(),
  trailingSpaces: fc.boolean(),
  qp: fc.boolean(),
  crlf: fc.boolean(),
});

const plain: Mangle = { dropTrailers: false, indent: false, quotes: [], wrap: null, prose: false, signature: false, doubleSpaced: false, trailingSpaces: false, qp: false, crlf: false };

/** The damage each trace must survive, by name: the recipes and the worst of each kind. */
export const namedMangles: Readonly<Record<string, Mangle>> = {
  "sed 's/^/> /' | fold -s -w 72": { ...plain, quotes: ['> '], wrap: { how: 'fold', width: 72 } },
  'quoted three deep, fold -s -w 60': { ...plain, quotes: ['> ', '> ', '> '], wrap: { how: 'fold', width: 60 } },
  'quoted three deep, a client re-wrapping at 60': { ...plain, quotes: ['> ', '>', '> '], wrap: { how: 'reflow', width: 60 } },
  'trailers trimmed, prose around, a signature, CRLF': { ...plain, dropTrailers: true, prose: true, signature: true, crlf: true, quotes: ['>> '] },
  'trailing spaces': { ...plain, trailingSpaces: true },
  'double-spaced by a client, quoted, prose around': { ...plain, quotes: ['> '], prose: true, doubleSpaced: true },
  "lore's raw message: quoted three deep, quoted-printable": { ...plain, quotes: ['> ', '> ', '> '], qp: true },
  'indented as a code block, quoted, fold -s -w 64': { ...plain, indent: true, quotes: ['> '], wrap: { how: 'fold', width: 64 } },
};

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
        fc.record({ kind: fc.constant('rdma' as const), name: fc.constantFrom('nic0', 'nic1', 'mlx5_0', 'rdma-nic-with-a-name-of-forty-columns'), odp: fc.boolean() }),
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

/**
 * A trace from running random picks through a registered design, with
 * random presentation fields: a Result: line or none, any verdict, `?`
 * for some returns, text or nothing for detail, links and command.
 */
export const traceArb: fc.Arbitrary<Trace> = fc
  .constantFrom(...designs)
  .chain((design) =>
    fc.record({
      design: fc.constant(design),
      preset: fc.constantFrom(...design.presets),
      overrides: overridesArb(design),
      config: configArb,
      picks: fc.array(picksArb(16), { minLength: 3, maxLength: 8 }).map((chunks) => chunks.flat()),
      whole: fc.boolean(),
      property: fc.option(fc.constantFrom(...catalogue), { freq: 4 }),
      verdictPick: fc.nat({ max: 5 }),
      unknown: fc.array(fc.boolean()),
      detail: fc.option(textArb),
      links: fc.option(fc.array(textArb, { maxLength: 3 })),
      command: fc.option(textArb),
    }),
  )
  .map((g) => {
    const knobs = resolveKnobs(g.design, g.preset, g.overrides);
    const judged = g.property ?? catalogue[0]!;
    const ev = evaluate(g.design, g.config, knobs, fromPicks(g.design, g.picks), [judged]);
    const finding = ev.findings.get(judged.id);
    const whole = evaluate(g.design, g.config, knobs, fromPicks(g.design, g.picks), [judged], { toEnd: true });
    const steps = (g.whole || !finding ? whole.steps : finding.steps).map((s, i) => (g.unknown[i] ? { action: s.action, ret: '?' as const } : s));
    const verdict = g.verdictPick < 2 ? verdictsOf(judged)[g.verdictPick]! : g.verdictPick === 2 ? ('?' as const) : undefined;
    const trace: Trace = {
      design: g.design.id,
      preset: g.preset.name,
      overrides: g.overrides,
      config: g.config,
      ...(g.property ? { property: g.property.id, verdict: verdict ?? verdictsOf(judged)[0]! } : {}),
      detail: g.detail ?? finding?.detail ?? '',
      steps,
      links: g.links ?? judged.links,
      command: g.command ?? `p2pmodel explore --design ${g.design.id} --preset ${g.preset.name} --property ${judged.id}`,
    };
    return trace;
  })
  // a trace is a sequence of steps: none is not one
  .filter((t) => t.steps.length > 0);

// --- what the tool prints ---------------------------------------------------

export interface Printed {
  readonly label: string;
  /** What the command printed: one trace, or explore's whole text with its summary and seven traces. */
  readonly text: string;
  /** The verdict the trace states (none for whole outputs and scenarios). */
  readonly verdict?: Verdict;
}

let printed: Printed[] | undefined;

/** The traces of explore's text output, cut at each header line (each ends before the next). */
export const tracesOf = (output: string) => output.split(/^(?=P2P )/m).slice(1).map((t) => t.replace(/\n+$/, '\n'));

/**
 * Every trace `explore` (200 runs, seed 42) and `check --depth 5 --json`
 * print for every preset of every registered design, explore's text
 * output of each preset whole, and every scenario file.
 */
export async function printedTraces(): Promise<Printed[]> {
  if (printed) return printed;
  const out: Printed[] = [];
  for (const design of designs)
    for (const preset of design.presets) {
      const at = ['--design', design.id, '--preset', preset.name];
      const explored = (await cli(['explore', ...at, '--runs', '200'])).out;
      out.push({ label: `explore ${design.id} ${preset.name}, whole`, text: explored });
      for (const text of tracesOf(explored)) {
        const [, property, verdict] = /^Result: (\S+) (\S+)/m.exec(text)!;
        out.push({ label: `explore ${design.id} ${preset.name} ${property}`, text, verdict: verdict as Verdict });
      }
      const checked = JSON.parse((await cli(['check', ...at, '--depth', '5', '--json'])).out);
      for (const r of checked.results as { property: string; verdict: Verdict; trace?: string }[])
        if (r.trace) out.push({ label: `check ${design.id} ${preset.name} ${r.property}`, text: r.trace, verdict: r.verdict });
    }
  for (const file of scenarioFiles()) out.push({ label: file.slice(file.lastIndexOf('/') + 1), text: readFileSync(file, 'utf8') });
  printed = out;
  return out;
}
