// Reading traces as people write and mail them (trace/parse.ts): by
// hand, with the config block, Result:, Detail: and the trailers left
// out and `?` for what is not known; several to a text; lines a mail
// client cut joined back by what can start an element; and what cannot
// be mail damage named by its line.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../model/vocabulary.js';
import { linksFor } from '../../properties/catalogue.js';
import { loadWorld } from '../../worlds/load.js';
import { parseScenario, parseScenarioAt } from '../../scenarios/format.js';
import { buildProgram } from '../../cli/program.js';
import { parseTrace, parseTraces, TraceSyntaxError, unmail, valueOptions } from '../../trace/parse.js';
import { printTrace } from '../../trace/print.js';
import { dropTrailers, foldS, quote } from './support.js';

const byHand = ['P2P struct-page lsfmm-2020', '', '1 p0 mmap(e0, 1, MAP_SHARED, 0) -> ?', '2 p0 ibv_reg_mr(nic0, vma0) -> mr0', '3 e0 unbind() -> 0', '4 e0 unbind_finish() -> ?', ''].join('\n');

/** The TraceSyntaxError parsing `text` throws: its line and message. */
function failure(parse: () => unknown): { line: number; message: string } {
  try {
    parse();
  } catch (err) {
    if (err instanceof TraceSyntaxError) return { line: err.line, message: err.message };
    throw err;
  }
  throw new Error('parsed');
}

describe('a trace by hand', () => {
  it('a header and numbered steps are a trace: the default world, every property judged, no trailers', () => {
    const t = parseTrace(byHand);
    expect(t).toStrictEqual({
      design: 'struct-page',
      preset: 'lsfmm-2020',
      overrides: {},
      config: defaultConfig,
      detail: '',
      steps: [
        { action: { kind: 'proc_mmap', proc: 0, exporter: 0, pages: 1, shared: true, offset: 0 }, ret: '?' },
        { action: { kind: 'proc_reg_mr', proc: 0, importer: 2, vma: 0, odp: false }, ret: 'mr0' },
        { action: { kind: 'exporter_unbind', exporter: 0 }, ret: '0' },
        { action: { kind: 'exporter_unbind_finish', exporter: 0 }, ret: '?' },
      ],
      links: [],
      command: '',
    });
    expect(t.property).toBeUndefined();
  });

  it('Result: with ? or no verdict, and its kind or not; Detail: and the trailers in any order', () => {
    for (const result of ['Result: no-leak ?', 'Result: no-leak', 'Result: no-leak ? (liveness)', 'Result: no-leak (liveness)'])
      expect(parseTrace(byHand.replace('\n\n', `\n${result}\n\n`))).toMatchObject({ property: 'no-leak', verdict: '?' });
    const t = parseTrace(`${byHand}\nReproduce: by hand\nLink: https://lore.kernel.org/r/x\nLink: y\n`);
    expect(t).toMatchObject({ links: ['https://lore.kernel.org/r/x', 'y'], command: 'by hand' });
    expect(failure(() => parseTrace(`${byHand}\nReproduce: a\nReproduce: b\n`)).message).toMatch(/:9: expected one Reproduce: trailer, got a second$/);
  });

  it('Knobs: and a config block read as printed, and the world of --world replaces it, steps read by its names', () => {
    const world = loadWorld('routes').config;
    const t = parseTraces(byHand.replace('\n\n', '\nKnobs: longterm_p2pdma=refused\n\n'), 'x', { world })[0]!.trace;
    expect(t.overrides).toEqual({ longterm_p2pdma: 'refused' });
    expect(t.config).toBe(world);
    const printed = printTrace({ ...t, config: world });
    expect(parseTrace(printed).config).toStrictEqual(world);
  });
});

describe('several traces in a text', () => {
  const printed = printTrace({ ...parseTrace(byHand), property: 'unbind-completes', verdict: 'violated', detail: 'unbind of exporter 0 waits on user space' });

  it('each from its header line to a blank line and prose, a signature or the next header', () => {
    const one = printTrace(parseTrace(byHand));
    const text = ['Two runs:', '', one, 'and the next one right after it:', '', byHand + byHand.replace('lsfmm-2020', 'mainline'), '-- ', 'P2P is fun'].join('\n');
    const ts = parseTraces(text);
    expect(ts.map((p) => p.trace.preset)).toEqual(['lsfmm-2020', 'lsfmm-2020', 'mainline']);
    const numbered = text.split('\n').map((l, i) => ({ l, no: i + 1 }));
    expect(ts.map((p) => p.lines.header)).toEqual(numbered.filter(({ l }) => /^P2P struct-page [a-z]/.test(l)).map(({ no }) => no));
    expect(ts[1]!.lines.steps).toEqual(numbered.filter(({ l, no }) => /^\d /.test(l) && no < ts[2]!.lines.header).map(({ no }) => no));
  });

  it("a reply's words between the steps and before the trailers are skipped; words after the last of them end the trace", () => {
    const lines = printTrace({ ...parseTrace(byHand), links: ['x'] }).split('\n');
    const step = (n: number) => lines.findIndex((l) => l.startsWith(`  ${n}  `));
    const reply = [...lines.slice(0, step(2) + 1), '', 'Here the NIC pins it.', '', ...lines.slice(step(3), step(4) + 1), '', 'And it waits.', ...lines.slice(step(4) + 1), 'Thanks,', ''];
    expect(reply.length).toBe(lines.length + 7);
    const [p] = parseTraces(quote(reply.join('\n'), '> '));
    expect(p!.trace).toStrictEqual({ ...parseTrace(byHand), links: ['x'] });
    expect(p!.lines.steps).toEqual([1, 2, 3, 4].map((n) => reply.findIndex((l) => l.startsWith(`  ${n}  `)) + 1));
  });

  it("a reply's words under Detail:, before step 1, are skipped too; with no step after them the trace has none", () => {
    const lines = printed.split('\n');
    const step1 = lines.findIndex((l) => l.startsWith('  1  '));
    const reply = [...lines.slice(0, step1), 'Why does unbind wait here?', '', ...lines.slice(step1)];
    const [p] = parseTraces(quote(reply.join('\n'), '> '));
    expect(p!.trace).toStrictEqual(parseTrace(printed));
    expect(p!.lines.steps[0]).toBe(step1 + 3);
    const stepless = [...lines.slice(0, step1), 'Why does unbind wait here?', ''].join('\n');
    expect(failure(() => parseTraces(stepless)).message).toMatch(/expected step 1 /);
  });

  it("a reply's words under the header, the config block, the comment or Result: are skipped to what the trace goes on with", () => {
    const world = loadWorld('routes').config;
    const lines = printTrace({ ...parseTrace(printed), config: world }).split('\n');
    const under = (k: number) => [...lines.slice(0, k + 1), '', 'Why is that?', '', ...lines.slice(k + 1)];
    const whole = parseTrace(lines.join('\n'));
    expect(whole.config).toStrictEqual(world);
    for (const label of [/^P2P /, /^}$/, /\*\)$/, /^Result:/]) {
      const k = lines.findIndex((l) => label.test(l));
      expect(k, String(label)).toBeGreaterThanOrEqual(0);
      expect(parseTraces(quote(under(k).join('\n'), '> '))[0]!.trace, String(label)).toStrictEqual(whole);
    }
  });

  it('a reply written right under a quoted step, quoted less deeply, is skipped when quoted steps follow', () => {
    const lines = quote(byHand.trimEnd(), '> ').split('\n');
    const k = lines.findIndex((l) => l.startsWith('> 2 '));
    const reply = [...lines.slice(0, k + 1), 'Why does the MR get this page?', ...lines.slice(k + 1)].join('\n');
    expect(parseTraces(reply)[0]!.trace).toStrictEqual(parseTrace(byHand));
  });

  it("a reply's own words between the steps may start like a label or a comment: they are words", () => {
    const lines = printed.split('\n');
    const k = lines.findIndex((l) => l.startsWith('  2  '));
    const reply = [...lines.slice(0, k + 1), '', 'Note:', 'Result: from my run differs', '(* I would expect -EBUSY *)', '', ...lines.slice(k + 1)].join('\n');
    expect(parseTraces(reply)[0]!.trace).toStrictEqual(parseTrace(printed));
  });

  it('a reply goes on only to the next step or a trailer: a step out of turn, or a second trace cut of its header, ends the trace', () => {
    const lines = quote(byHand.trimEnd(), '> ').split('\n');
    const k = lines.findIndex((l) => l.startsWith('> 1 '));
    // the replier cut step 2 out of the quote
    const snipped = [...lines.slice(0, k + 1), "I'd drop step 2.", ...lines.slice(k + 2), '> Link: x'].join('\n');
    expect(parseTraces(snipped)[0]!.trace.steps).toHaveLength(1);
    const second = [...lines, '', 'And then:', '', '> Result: no-leak ?', ...lines.slice(k), '> Reproduce: y'].join('\n');
    const [t] = parseTraces(second);
    expect([t!.trace.steps.length, t!.trace.command]).toEqual([4, '']);
  });

  it('a reply written right under a quoted trace, quoted less deeply, ends it; unquoted it is an error', () => {
    const quoted = quote(byHand.trimEnd(), '> ');
    expect(parseTraces(`${quoted}\nStep 2 should fail.\n`)[0]!.trace).toStrictEqual(parseTrace(byHand));
    expect(failure(() => parseTraces(`${byHand.trimEnd()}\nStep 2 should fail.\n`)).message).toMatch(/expected step \d+, a Link:\/Reproduce: trailer or a blank line$/);
  });

  it('a scenario is not a trace for parseTraces; the columns view is refused', () => {
    expect(failure(() => parseTraces('Hi\nP2P scenario x\nQuestion: y?\n')).message).toMatch(/^<input>:2: expected a trace, not a scenario/);
    const columns = '(* columns view for reading, not parseable: replay the plain \'cite\' *)\n' + byHand;
    expect(failure(() => parseTraces(columns)).line).toBe(1);
  });
});

describe('lines a mail client cut', () => {
  const printed = printTrace({ ...parseTrace(byHand), property: 'unbind-completes', verdict: 'violated', detail: 'unbind of exporter 0 waits on user space: e0: pgmap_ref 1, 1 above base; e0 page 0: still allocated to a0', links: ['https://lore.kernel.org/r/4e0637ba-0d7c-66a5-d3de-bc1e7dc7c0ef@amd.com', 'commit 4003f107fa2e ("mm: introduce FOLL_PCI_P2PDMA to gate getting PCI P2PDMA pages")'], command: 'npx p2pmodel explore --design struct-page --preset lsfmm-2020 --property unbind-completes --seed 42 --path 65:2:1:0:1:9:10:10:13:13:14:14' });
  const t = parseTrace(printed);

  /**
   * Cut the line of `text` holding `needle` at every space past its first
   * word and a step's actor (mail cuts at the last space that fits, so a
   * line is never cut that early), the rest at column 0, and read each.
   */
  const cutEverywhere = (text: string, needle: string) => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes(needle));
    const line = lines[i]!;
    let cuts = 0;
    for (let at = line.indexOf(' ', /^\s*(?:\d+\s+)?\S+/.exec(line)![0].length); at > 0; at = line.indexOf(' ', at + 1)) {
      const cut = [...lines.slice(0, i), line.slice(0, at), line.slice(at + 1).trimStart(), ...lines.slice(i + 1)].join('\n');
      if (line.slice(at + 1).trim() === '') continue;
      expect(parseTrace(cut), `${needle} cut at ${at}`).toStrictEqual(t);
      cuts++;
    }
    expect(cuts).toBeGreaterThan(1);
  };

  it('a step cut at any space, before or after its ->, after its actor column', () => {
    cutEverywhere(printed, 'mmap(e0');
    cutEverywhere(printed, 'unbind_finish');
  });

  it('Detail:, Link:, Reproduce: and the comment cut at any space, even where the rest reads like a step or a limit', () => {
    expect(printed).toMatch(/^ {2}above base;/m); // `1 above base;` would be step 1 but for its actor
    cutEverywhere(printed, 'Detail:');
    cutEverywhere(printed, 'getting PCI');
    cutEverywhere(printed, 'Reproduce:');
    cutEverywhere(printed, '(* Once');
    cutEverywhere(printed, 'limits:'); // `1 fault` is no step inside the config
  });

  it('a URL, a --path or a file name that mail cut inside a word is joined back without a space', () => {
    const url = 'https://lore.kernel.org/r/4e0637ba-0d7c-66a5-d3de-bc1e7dc7c0ef@amd.com';
    const cutUrl = printed.replace(url, `${url.slice(0, 40)}\n${url.slice(40)}`);
    expect(parseTrace(cutUrl).links).toEqual(t.links);
    const cutPath = printed.replace('--path 65:2:1:0:1:', '--path 65:2:1:0:1:\n');
    expect([cutUrl, cutPath]).not.toContain(printed);
    expect(parseTrace(cutPath).command).toBe(t.command);
    // a mailer may break after a hyphen; the next line then starts with the word's rest, not an option
    const world = `${t.command} --world ../shared/my-host-bridge-world.txt`;
    const cutWorld = printTrace({ ...t, command: world }).replace('my-host-', 'my-host-\n');
    expect(parseTrace(cutWorld).command).toBe(world);
    const stdin = 'p2pmodel replay -';
    expect(parseTrace(printTrace({ ...t, command: stdin })).command).toBe(stdin);
    expect(parseTraces(`${printTrace({ ...t, command: stdin }).trimEnd()}\nThanks\n`)[0]!.trace.command).toBe(stdin);
  });

  it('a double-spaced mail (a blank line under every line) reads as before, errors named by the line as given', () => {
    const spaced = printed.replace(/\n/g, '\n\n');
    expect(parseTrace(spaced)).toStrictEqual(t);
    const bad = spaced.replace('unbind()', 'unbind(e9)');
    const at = bad.split('\n').findIndex((l) => l.includes('unbind(e9)')) + 1;
    expect(failure(() => parseTrace(bad)).line).toBe(at);
    // one blank line between hand-written elements, with nothing longer, is no double spacing: prose after it ends the trace
    const airy = `Hi,\n\n${byHand.split('\n').filter(Boolean).join('\n\n')}\n\nThanks\n`;
    expect(parseTraces(airy)[0]!.trace).toStrictEqual(parseTrace(byHand));
  });

  it('a URL too long for a line, cut by the printer with a backslash, reads back whole', () => {
    const url = `https://lore.kernel.org/r/1589050310-19666-5-git-send-email-${'x'.repeat(30)}@amd.com`;
    const long = printTrace({ ...t, links: [url] });
    expect(long).toMatch(/\\\n {2}x+@amd\.com$/m);
    expect(parseTrace(long).links).toEqual([url]);
    expect(parseTrace(quote(long, '> ')).links).toEqual([url]);
  });

  it('a Reproduce: command cut after an option that takes a value carries on, for every such option of every command', () => {
    const program = buildProgram({ io: { out: () => {}, err: () => {}, readStdin: async () => Buffer.alloc(0), status: () => {} }, exit: () => {} });
    const taking = program.commands.flatMap((c) => c.options.filter((o) => o.required || o.optional).map((o) => o.long!.slice(2)));
    expect(new Set(valueOptions)).toEqual(new Set(taking));
    for (const option of valueOptions) {
      const cut = `${dropTrailers(printed).trimEnd()}\nReproduce: p2pmodel check --${option}\nx\n`;
      expect(parseTraces(cut)[0]!.trace.command).toBe(`p2pmodel check --${option} x`);
    }
  });

  it('a sign-off right under the Reproduce: command or a URL Link: is not part of it', () => {
    const signed = `${printed.trimEnd()}\nThanks,\nBob\n`;
    expect(parseTraces(signed)[0]!.trace.command).toBe(t.command);
    const linked = `${dropTrailers(printed).trimEnd()}\n\nLink: ${t.links[0]}\nThanks,\nBob\n`;
    expect(parseTraces(linked)[0]!.trace.links).toEqual([t.links[0]]);
    // a link the catalogue cites is whole: a one-word sign-off under it is no tail of it
    const cited = linksFor('unbind-completes', 'struct-page')[0]!;
    expect(parseTraces(`${dropTrailers(printed).trimEnd()}\n\nLink: ${cited}\nLeon\n`)[0]!.trace.links).toEqual([cited]);
    // a reply under a quoted command cut with `\`, quoted less deeply, is no part of it
    const cut = quote(printTrace({ ...t, command: `${t.command} --world routes` }), '> ').split('\n');
    const k = cut.findIndex((l) => l.endsWith('\\'));
    const replied = [...cut.slice(0, k + 1), 'I get another result with --world minimal.', ''].join('\n');
    expect(parseTraces(replied)[0]!.trace.command).toBe(cut[k]!.slice('> Reproduce: '.length, -2));
  });

  it('a URL cut with one character left is joined back where that completes a cited link; a lone letter under another is a sign-off', () => {
    const cited = linksFor('unbind-completes', 'struct-page')[0]!;
    const withCited = printTrace({ ...t, links: [cited] });
    expect(parseTrace(withCited.replace(cited, `${cited.slice(0, -1)}\n${cited.slice(-1)}`)).links).toEqual([cited]);
    const url = t.links[0]!;
    expect(parseTraces(`${dropTrailers(printed).trimEnd()}\n\nLink: ${url}\nJ\n`)[0]!.trace.links).toEqual([url]);
  });

  it('a trailer mail seems to carry on for ever is refused at 64 lines or 4096 characters, not read for minutes', () => {
    const endless = `${dropTrailers(printed).trimEnd()}\n\nLink: ${t.links[0]}\n${'bb\n'.repeat(80_000)}`;
    expect(failure(() => parseTrace(endless)).message).toMatch(/expected a Link: trailer within 64 lines and 4096 characters$/);
    const cut = `${dropTrailers(printed).trimEnd()}\n\nReproduce: p2pmodel check --design x-\n${'b-\n'.repeat(80_000)}`;
    expect(failure(() => parseTrace(cut)).message).toMatch(/expected a Reproduce: trailer within 64 lines and 4096 characters$/);
    const subject = `${dropTrailers(printed).trimEnd()}\n\n${`Link: commit abc (\n${'  x\n'.repeat(4000)})\n`.repeat(2)}`;
    expect(failure(() => parseTrace(subject)).message).toMatch(/expected a Link: trailer within 64 lines and 4096 characters$/);
  });

  it('a link a preset cites, cut with one character left, is joined back too', () => {
    const cited = 'https://lore.kernel.org/r/20200207182457.GM23346@mellanox.com';
    expect(parseTrace(printTrace({ ...t, links: [cited] }).replace(cited, `${cited.slice(0, -1)}\n${cited.slice(-1)}`)).links).toEqual([cited]);
  });

  it('ordinary mail with blank lines is not double spacing: only where lines the printer keeps together stand a blank line apart', () => {
    const mail = 'Hi,\n\nP2P vma-p2p legacy-importer\n\n  1  p0  mmap(e0, 1, MAP_SHARED, 0)  -> vma0\n\nWhy?\n\n\n\nJoe\n';
    expect(parseTraces(mail)[0]!.trace.steps).toHaveLength(1);
  });

  it('a config line an editor filled at the statements\' indent continues its statement', () => {
    const filled = byHand.replace('\n\n', '\n{\n  exporter e0: 2 pages\n  importer nic0: rdma odp;\n  route e0 host-bridge\n  iommu on; 1 process\n  limits: 1 vma,\n  1 mr, 1 fd, 1 bio, 2 allocations, 1 fault\n}\n\n');
    const c = parseTraces(filled.replace('ibv_reg_mr(nic0', 'ibv_reg_mr(nic0'))[0]!.trace.config;
    expect([c.importers.length, c.routes, c.limits.mrs, c.limits.faults]).toEqual([1, [['host-bridge']], 1, 1]);
  });

  it('no-break and other Unicode spaces (HTML to text, a web page) read as spaces, in every field', () => {
    expect(parseTrace(printed.replace(/ /g, '\u00a0'))).toStrictEqual(t);
    expect(parseTrace(quote(printed, '>\u202f').replace(/ {2}/g, '\u3000 '))).toStrictEqual(t);
  });

  it('a quote marker after spaces, and a Markdown code fence right under the last step, are mail too', () => {
    expect(parseTrace(quote(printed, ' > '))).toStrictEqual(t);
    const fenced = `I ran the model:\n\n\`\`\`text\n${dropTrailers(printed).trimEnd()}\n\`\`\`\nDoes it match?\n`;
    expect(parseTraces(fenced)[0]!.trace).toStrictEqual({ ...t, links: [], command: '' });
  });

  it('a double-spaced trace among prose that is not: the trace is read, the prose left as it is', () => {
    const spaced = `Hi,\nsee below.\n\n${printed.replace(/\n/g, '\n\n')}\nThanks,\nMe\n`;
    expect(parseTraces(spaced).map((p) => p.trace)).toStrictEqual([t]);
  });

  it('a line cut at its indent, before a URL longer than the rest of the line: a blank line, then the URL', () => {
    const folded = foldS(quote(printed, '> '), 72);
    expect(unmail(folded).some((l, i, all) => l.text === '' && all[i - 1]?.text === 'Link:')).toBe(true);
    expect(parseTrace(folded)).toStrictEqual(t);
  });

  it('a step cut at its indent, before a call longer than the rest of the line: a blank line, then the call', () => {
    const step = '  2  p0\n\nibv_reg_mr(nic0, vma0)  -> mr0';
    expect(parseTrace(byHand.replace('2 p0 ibv_reg_mr(nic0, vma0) -> mr0', step))).toStrictEqual(parseTrace(byHand));
    // prose after a step with no return is not its call: the step still lacks its return
    const prose = byHand.replace('2 p0 ibv_reg_mr(nic0, vma0) -> mr0', '2 p0 ibv_reg_mr(nic0, vma0)\n\nHere the NIC pins the page -> forever');
    expect(() => parseTrace(prose)).toThrow(/:4: expected '-> <return value>' ending step 2$/);
  });
});

describe('what mail cannot do is an error naming its line', () => {
  const lines = byHand.split('\n');
  const cases: [string, string, number, RegExp][] = [
    ['junk right after a step', [...lines.slice(0, 3), 'and then:', ...lines.slice(3)].join('\n'), 4, /expected step 2, a Link:\/Reproduce: trailer or a blank line$/],
    ['a step numbered out of turn after a blank line', [...lines.slice(0, 4), '', '5 e0 unbind() -> 0'].join('\n'), 6, /expected step 3, got step 5$/],
    ['a Result: after the steps', `${byHand}\nResult: no-leak holds\n`, 8, /expected a Link: or Reproduce: trailer after the steps, or a blank line and prose$/],
    ['a config never closed', byHand.replace('\n\n', '\n{\n  exporter e0: 2 pages\nResult: no-leak\n'), 4, /expected '\}' closing the config opened on line 2$/],
    ['a config line of its own that is no statement', byHand.replace('\n\n', '\n{\n  exporter e0: 2 pages\n  bridge rp0: e0\n}\n'), 4, /expected an exporter, importer, iommu or limits line, or '\}', got 'bridge rp0: e0'$/],
    ['a misspelt statement, indented as the statements are', byHand.replace('\n\n', '\n{\n  exporter e0: 2 pages\n  limit: 2 vmas\n}\n'), 4, /expected an exporter, importer, iommu or limits line, or '\}', got 'limit: 2 vmas'$/],
    ['no step at all', 'P2P vma-p2p rfc-2019\nResult: p2p-dma ?\n\nThanks\n', 4, /expected Detail: or step 1 \('1 {2}<actor> {2}<call> {2}-> <return value>'\)$/],
    ['a step without its return', byHand.replace('-> mr0', ''), 4, /expected '-> <return value>' ending step 2$/],
    ['an unknown actor', byHand.replace('3 e0 unbind()', '3 gpu0 unbind()'), 5, /expected an exporter \(e0\) as the actor of unbind\(\), got 'gpu0'$/],
    ['a verdict of another kind', byHand.replace('\n\n', '\nResult: no-leak never\n\n'), 2, /expected a verdict of a liveness property \(holds or violated\), got 'never'$/],
    // prose before step 1 is skipped only to what may come before it: a trailer later on is no reason to skip
    ['steps numbered as prose, then a trailer', byHand.replace(/^(\d) /gm, '$1. ') + '\nReproduce: x\n', 3, /expected Knobs:, '\{', Result:, Detail: or step 1 /],
  ];
  it.each(cases)('%s', (_name, text, line, message) => {
    const f = failure(() => parseTrace(text, 'x.txt'));
    expect(f.line).toBe(line);
    expect(f.message).toMatch(new RegExp(`^x\\.txt:${line}: ${message.source}`));
  });
});

describe('scenarios read like traces', () => {
  const file = parseScenario(
    [
      'P2P scenario by-hand',
      'Question: Does it?',
      '',
      '  1  p0  mmap(e0, 1, MAP_SHARED, 0)',
      '  2  p0  fork()',
      '',
      'Outcome: struct-page mainline',
      '  Returns: vma0 p1',
      '  Violates: none',
      '  Witnesses: none',
      '',
      'Link: x',
      '',
    ].join('\n'),
  );

  it('with prose around and no Link:, inside a mail, where a file needs its Link: trailers and nothing after', () => {
    expect(file.scenario.config).toStrictEqual(defaultConfig);
    const text = printTraceless(file.scenario.name);
    const lines = unmail(quote(`Look:\n\n${text}\nThanks\n`, '> '));
    const { parsed, next } = parseScenarioAt(lines, 2, 'mail');
    expect({ ...parsed.scenario, links: ['x'] }).toStrictEqual(file.scenario);
    expect(lines[next]?.text).toBe('Thanks');
    expect(failure(() => parseScenario(text, 's.txt')).message).toMatch(/^s\.txt:\d+: expected 'Link: <url or commit>' trailers after the outcomes, got end of input$/);
  });

  function printTraceless(name: string) {
    return `P2P scenario ${name}\nQuestion: Does it?\n\n  1  p0  mmap(e0, 1, MAP_SHARED, 0)\n  2  p0  fork()\n\nOutcome: struct-page mainline\n  Returns: vma0 p1\n  Violates: none\n  Witnesses: none\n`;
  }
});
