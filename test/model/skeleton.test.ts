// model/skeleton.ts: the guards of a finite world (never true of an id
// out of range, negative or fractional), the free slot each new entity
// takes (the lowest, or NONE at the world's limit), first fit, fault
// injection, and the transitions every design shares, driven with
// effects that only record what they are asked to do.
import { describe, expect, it } from 'vitest';
import { NONE } from '../../model/packed.js';
import {
  type Effects,
  exporterAlloc,
  exporterExists,
  firstFit,
  freeAlloc,
  freeBio,
  freeMr,
  freeProc,
  freeVma,
  importerBio,
  importerExists,
  importerMr,
  injectInsertFail,
  mappedVma,
  ownMr,
  procAlive,
  procDeregMr,
  procExit,
  procFork,
  procMunmap,
  refuseWith,
  takeInjection,
  touchGuard,
} from '../../model/skeleton.js';
import { structPage } from '../../model/struct-page/index.js';
import type { SpState } from '../../model/struct-page/state.js';
import { vmaP2p } from '../../model/vma-p2p/index.js';
import { type Config, defaultConfig } from '../../model/vocabulary.js';
import { deregMr, exit, fork, injectInsertFail as inject, munmap, touch } from '../actions.js';
import { knobsOf } from './run.js';

/** 3 process slots with 2 VMA slots each, 2 MRs per process (6 MR slots), 2 bios, 3 allocations, a 4-page exporter. */
const world: Config = {
  ...defaultConfig,
  exporters: [{ name: 'e0', pages: 4 }],
  processes: 3,
  limits: { vmas: 2, mrs: 2, fds: 1, bios: 2, allocations: 3, faults: 1 },
};
const machine = structPage.machine(world, knobsOf(structPage, {}));
/** A fresh state of `world`: p0 alive, nothing else. */
const fresh = () => machine.init();

const nonsense = [-1, 99, 1.5, Number.NaN];

describe('guards: an id names a live entity of the world, or nothing', () => {
  it('procAlive: a live process slot only', () => {
    const s = fresh();
    s.proc(2).alive = true;
    expect([0, 1, 2, 3, ...nonsense].map((p) => procAlive(s, p))).toEqual([true, false, true, false, false, false, false, false]);
  });

  it('exporterExists and importerExists: an index into the config', () => {
    const s = fresh();
    expect([0, 1, ...nonsense].map((e) => exporterExists(s, e))).toEqual([true, false, false, false, false, false]);
    expect([0, 3, 4, ...nonsense].map((i) => importerExists(s, i))).toEqual([true, true, false, false, false, false, false]);
  });

  it("mappedVma: a used VMA slot of that process's mm", () => {
    const s = fresh();
    s.vma(0, 1).used = true;
    expect(mappedVma(s, 0, 1)).toEqual(s.vma(0, 1));
    expect([0, 2, ...nonsense].map((v) => mappedVma(s, 0, v))).toEqual([null, null, null, null, null, null]);
    expect(mappedVma(s, 1, 1)).toBeNull();
  });

  it('ownMr and importerMr: a live MR slot of that process, of that importer', () => {
    const s = fresh();
    const mr = s.mr(4);
    mr.live = true;
    mr.proc = 2;
    mr.importer = 2;
    expect(ownMr(s, 2, 4)).toEqual(mr);
    expect(importerMr(s, 2, 4)).toEqual(mr);
    expect([ownMr(s, 0, 4), importerMr(s, 3, 4), ownMr(s, 2, 3), importerMr(s, 2, 3)]).toEqual([null, null, null, null]);
    expect([6, ...nonsense].flatMap((m) => [ownMr(s, 2, m), importerMr(s, 2, m)])).toEqual(Array(10).fill(null));
  });

  it('importerBio: an in-flight bio slot of that importer', () => {
    const s = fresh();
    s.bio(1).inflight = true;
    s.bio(1).importer = 1;
    expect(importerBio(s, 1, 1)).toEqual(s.bio(1));
    expect([importerBio(s, 0, 1), importerBio(s, 1, 0), ...[2, ...nonsense].map((i) => importerBio(s, 1, i))]).toEqual(Array(7).fill(null));
  });

  it('exporterAlloc: a used allocation slot of that exporter', () => {
    const s = fresh();
    s.alloc(2).used = true;
    expect(exporterAlloc(s, 0, 2)).toEqual(s.alloc(2));
    expect([exporterAlloc(s, 1, 2), exporterAlloc(s, 0, 1), ...[3, ...nonsense].map((a) => exporterAlloc(s, 0, a))]).toEqual(Array(7).fill(null));
  });

  it('touchGuard: -ESRCH for no process, -EBADF for no VMA slot, SIGSEGV outside a mapping, else the VMA', () => {
    const s = fresh();
    s.vma(0, 0).used = true;
    s.vma(0, 0).npages = 2;
    expect(touchGuard(s, touch(0, 1))).toEqual(s.vma(0, 0));
    expect([touch(0, 0, 1), touch(2), touch(-1), touch(0.5), touch(1), touch(0, 2), touch(0, -1), touch(0, 0.5)].map((a) => touchGuard(s, a))).toEqual([
      '-ESRCH',
      '-EBADF',
      '-EBADF',
      '-EBADF',
      'SIGSEGV',
      'SIGSEGV',
      'SIGSEGV',
      'SIGSEGV',
    ]);
  });
});

describe('free slots: the lowest, or NONE at the limit', () => {
  it('freeProc: the lowest dead process slot', () => {
    const s = fresh();
    expect(freeProc(s)).toBe(1);
    s.proc(1).alive = true;
    expect(freeProc(s)).toBe(2);
    s.proc(2).alive = true;
    expect(freeProc(s)).toBe(NONE);
    s.proc(0).alive = false;
    expect(freeProc(s)).toBe(0);
  });

  it("freeVma: the lowest free slot of that process's mm", () => {
    const s = fresh();
    expect(freeVma(s, 0)).toBe(0);
    s.vma(0, 0).used = true;
    expect([freeVma(s, 0), freeVma(s, 1)]).toEqual([1, 0]);
    s.vma(0, 1).used = true;
    expect(freeVma(s, 0)).toBe(NONE);
    s.vma(0, 0).used = false;
    expect(freeVma(s, 0)).toBe(0);
  });

  it('freeMr: the lowest free slot of the world, unless the process holds its limit', () => {
    const s = fresh();
    const hold = (m: number, proc: number) => {
      s.mr(m).live = true;
      s.mr(m).proc = proc;
    };
    expect(freeMr(s, 0)).toBe(0);
    hold(0, 0);
    hold(1, 1);
    expect([freeMr(s, 0), freeMr(s, 1)]).toEqual([2, 2]);
    hold(3, 0);
    expect([freeMr(s, 0), freeMr(s, 1), freeMr(s, 2)]).toEqual([NONE, 2, 2]);
    hold(2, 2);
    hold(4, 2);
    hold(5, 1);
    expect([freeMr(s, 0), freeMr(s, 1), freeMr(s, 2)]).toEqual([NONE, NONE, NONE]);
    s.mr(1).live = false;
    expect([freeMr(s, 0), freeMr(s, 1)]).toEqual([NONE, 1]);
  });

  it('freeBio: the lowest idle bio slot; none in a design without bios', () => {
    const s = fresh();
    expect(freeBio(s)).toBe(0);
    s.bio(0).inflight = true;
    expect(freeBio(s)).toBe(1);
    s.bio(1).inflight = true;
    expect(freeBio(s)).toBe(NONE);
    expect(freeBio(vmaP2p.init(world, knobsOf(vmaP2p, {})))).toBe(NONE);
  });

  it('freeAlloc: the lowest unused allocation slot', () => {
    const s = fresh();
    s.alloc(0).used = true;
    s.alloc(2).used = true;
    expect(freeAlloc(s)).toBe(1);
    s.alloc(1).used = true;
    expect(freeAlloc(s)).toBe(NONE);
  });
});

describe('firstFit (gen_pool first fit)', () => {
  /** A state whose only exporter has one page per owner given (null: free). */
  const pool = (...owners: (number | null)[]) => {
    const s = structPage.init({ ...defaultConfig, exporters: [{ name: 'e0', pages: owners.length }] }, knobsOf(structPage, {}));
    owners.forEach((owner, p) => {
      s.page(0, p).owner = owner ?? NONE;
    });
    return s;
  };
  it.each<[string, SpState, number, number]>([
    ['the lowest pages of an empty pool', pool(null, null, null), 2, 0],
    ['one page', pool(null, null), 1, 0],
    ['the whole pool', pool(null, null, null), 3, 0],
    ['after a taken page', pool(0, null, null), 2, 1],
    ['past a hole too small', pool(null, 0, null, null), 2, 2],
    ['into the hole when it fits', pool(0, null, 1, null), 1, 1],
    ['up to the last page', pool(0, 1, null), 1, 2],
    ['nothing when no run is long enough', pool(null, 0, null), 2, NONE],
    ['nothing when the pool is full', pool(0, 1), 1, NONE],
    ['nothing when more pages than the pool', pool(null, null), 3, NONE],
  ])('%s', (_name, s, n, want) => expect(firstFit(s, 0, n)).toBe(want));
});

describe('fault injection', () => {
  it.each([-1, 1.5, 255, Number.NaN])('refuses nth %d with -EINVAL', (nth) => {
    const s = fresh();
    const out = machine.out();
    expect(injectInsertFail(s, inject(nth), out)).toBe('-EINVAL');
    expect(out.written).toBe(false);
  });

  it('arms the nth insert once; -EBUSY while armed; BOUND past the limit; taking it disarms', () => {
    const s = fresh();
    const out = machine.out();
    expect(injectInsertFail(s, inject(254), out)).toBe('0');
    const armed = out.d;
    expect([armed.header.armed, armed.header.fired]).toEqual([254, 1]);
    expect(injectInsertFail(armed, inject(0), machine.out())).toBe('-EBUSY');
    expect(takeInjection(armed)).toBe(254);
    expect([armed.header.armed, armed.header.fired]).toEqual([NONE, 1]);
    expect(takeInjection(armed)).toBe(NONE);
    const past = machine.out();
    expect(injectInsertFail(armed, inject(0), past)).toBe('BOUND');
    expect(past.written).toBe(false);
  });
});

describe('refuseWith', () => {
  it('returns the errno and emits the event, drafting nothing', () => {
    const out = machine.out();
    expect(refuseWith(out, '-EBUSY', { kind: 'wait', exporter: 0, on: 'x' })).toBe('-EBUSY');
    expect([out.written, out.events]).toEqual([false, [{ kind: 'wait', exporter: 0, on: 'x' }]]);
  });
});

describe('the shared transitions, with effects that record', () => {
  const recorder = () => {
    const calls: string[] = [];
    const fx: Effects<SpState> = {
      forkVma: (d, _out, child, v) => calls.push(`fork p${child} vma${v} start ${d.vma(child, v).start}`),
      closeVma: (d, _out, p, v) => calls.push(`close p${p} vma${v} used ${d.vma(p, v).used}`),
      releaseMr: (d, _out, m) => calls.push(`release mr${m} live ${d.mr(m).live}`),
    };
    return { calls, fx };
  };
  /** p0 with VMA slots 0 and 1 (start 5 and 6), p2 alive with nothing; MRs 1 and 3 of p0, MR 2 of p2. */
  const populated = () => {
    const s = fresh();
    for (const v of [0, 1]) {
      s.vma(0, v).used = true;
      s.vma(0, v).start = 5 + v;
    }
    s.proc(2).alive = true;
    for (const [m, proc] of [
      [1, 0],
      [3, 0],
      [2, 2],
    ] as const) {
      s.mr(m).live = true;
      s.mr(m).proc = proc;
    }
    return s;
  };

  it('fork: the lowest free process slot, every VMA copied to the same slot; -ESRCH, -EAGAIN', () => {
    const { calls, fx } = recorder();
    const s = populated();
    s.vma(0, 0).used = false;
    const out = machine.out();
    expect(procFork(fx)(s, fork(0), out)).toBe('p1');
    expect(calls).toEqual(['fork p1 vma1 start 6']);
    // a slot's offset counts from the start of its state's buffer
    const slotBytes = (v: { b: Uint8Array; o: number }) => Array.from(v.b.subarray(v.o, v.o + s.layout.sizes.vma));
    expect([out.d.proc(1).alive, out.d.vma(1, 0).used, slotBytes(out.d.vma(1, 1))]).toEqual([true, false, slotBytes(s.vma(0, 1))]);
    expect(procFork(fx)(s, fork(1), machine.out())).toBe('-ESRCH');
    out.d.proc(1).alive = true;
    expect(procFork(fx)(out.d, fork(0), machine.out())).toBe('-EAGAIN');
  });

  it('exit: every VMA closed, then its own MRs released, then the process slot zeroed', () => {
    const { calls, fx } = recorder();
    const s = populated();
    const out = machine.out();
    expect(procExit(fx)(s, exit(0), out)).toBe('0');
    expect(calls).toEqual(['close p0 vma0 used true', 'close p0 vma1 used true', 'release mr1 live true', 'release mr3 live true']);
    const d = out.d;
    expect([d.proc(0).alive, d.vma(0, 0).used, d.vma(0, 1).start, d.mr(1).live, d.mr(3).live, d.mr(2).live, d.proc(2).alive]).toEqual([false, false, 0, false, false, true, true]);
    expect(procExit(fx)(s, exit(1), machine.out())).toBe('-ESRCH');
  });

  it('munmap: the VMA closed, then its slot zeroed; -ESRCH, -EBADF', () => {
    const { calls, fx } = recorder();
    const s = populated();
    const out = machine.out();
    expect(procMunmap(fx)(s, munmap(1), out)).toBe('0');
    expect(calls).toEqual(['close p0 vma1 used true']);
    expect([out.d.vma(0, 1).used, out.d.vma(0, 1).start, out.d.vma(0, 0).start]).toEqual([false, 0, 5]);
    expect([munmap(1, 1), munmap(0, 2), munmap(2), munmap(-1)].map((a) => procMunmap(fx)(s, a, machine.out()))).toEqual(['-ESRCH', '-EBADF', '-EBADF', '-EBADF']);
  });

  it("ibv_dereg_mr: only the owner's live MR, released then zeroed", () => {
    const { calls, fx } = recorder();
    const s = populated();
    const out = machine.out();
    expect(procDeregMr(fx)(s, deregMr(3, 0), out)).toBe('0');
    expect(calls).toEqual(['release mr3 live true']);
    expect([out.d.mr(3).live, out.d.mr(3).proc]).toEqual([false, 0]);
    expect([deregMr(2, 0), deregMr(0, 0), deregMr(6, 0), deregMr(1.5, 0)].map((a) => procDeregMr(fx)(s, a, machine.out()))).toEqual([
      '-EBADF',
      '-EBADF',
      '-EBADF',
      '-EBADF',
    ]);
  });
});
