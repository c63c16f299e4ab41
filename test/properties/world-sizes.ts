// The size of every shipped world's complete search with symmetry, per
// design and preset: pinned, so that a model change that grows or
// shrinks a state space shows up. When a row moves, check the verdicts
// still meet the expected table (expected.test.ts), then update it.
// expected.test.ts checks the default world's rows against the searches
// it makes anyway; worlds.test.ts checks the others.

/** What a complete search reports of a world's size. */
export interface Size {
  readonly states: number;
  readonly transitions: number;
  readonly diameter: number;
}

const size = (states: number, transitions: number, diameter: number): Size => ({ states, transitions, diameter });

/** world name -> `design/preset` -> size. */
export const worldSizes: Readonly<Record<string, Readonly<Record<string, Size>>>> = {
  default: {
    'struct-page/mainline': size(50_896, 1_122_252, 20),
    'struct-page/lsfmm-2020': size(191_448, 6_472_536, 20),
    'struct-page/bug-insert-leak': size(62_429, 1_373_720, 21),
    'struct-page/bug-zone-device-refcount': size(67_256, 1_475_936, 21),
    'vma-p2p/rfc-2019': size(8_776, 167_212, 15),
    'vma-p2p/legacy-importer': size(34_772, 678_162, 20),
    'vma-p2p/exporter-no-wait': size(7_420, 140_754, 15),
    'vma-p2p/as-posted': size(6_592, 121_644, 15),
  },
  minimal: {
    'struct-page/mainline': size(316_583, 10_272_567, 25),
    'struct-page/lsfmm-2020': size(693_613, 30_065_441, 25),
    // no fault injection in this world: the leaky path is never taken
    'struct-page/bug-insert-leak': size(316_583, 10_272_567, 25),
    'struct-page/bug-zone-device-refcount': size(417_983, 13_511_327, 26),
    'vma-p2p/rfc-2019': size(24_655, 578_033, 17),
    'vma-p2p/legacy-importer': size(110_869, 2_521_857, 20),
    'vma-p2p/exporter-no-wait': size(18_477, 433_392, 15),
    'vma-p2p/as-posted': size(19_505, 447_793, 17),
  },
  routes: {
    'struct-page/mainline': size(16_552, 457_452, 15),
    'struct-page/lsfmm-2020': size(38_040, 1_256_804, 15),
    'struct-page/bug-insert-leak': size(20_160, 556_686, 16),
    'struct-page/bug-zone-device-refcount': size(21_280, 588_096, 16),
    'vma-p2p/rfc-2019': size(6_172, 114_590, 13),
    'vma-p2p/legacy-importer': size(16_696, 304_720, 16),
    'vma-p2p/exporter-no-wait': size(5_460, 101_498, 12),
    'vma-p2p/as-posted': size(5_372, 97_566, 13),
  },
};

/** A search bound for a world: twice its pinned size, so a space that blows up stops early and fails. */
export const stateBound = (s: Size) => 2 * s.states;
