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
    'struct-page/mainline': size(58_216, 838_756, 20),
    'struct-page/lsfmm-2020': size(207_684, 3_943_430, 20),
    'struct-page/bug-insert-leak': size(71_579, 1_023_073, 21),
    'struct-page/bug-zone-device-refcount': size(74_576, 1_036_104, 21),
    'vma-p2p/rfc-2019': size(8_748, 123_690, 15),
    'vma-p2p/legacy-importer': size(34_672, 501_772, 19),
    'vma-p2p/exporter-no-wait': size(7_392, 103_160, 15),
    'vma-p2p/as-posted': size(6_568, 89_868, 16),
    'dma-buf/revoke-v7.1': size(37_392, 510_300, 13),
    'dma-buf/vfio-v6.19': size(37_392, 510_300, 13),
    'dma-buf/vfio-v6.19-rc': size(90_624, 1_212_132, 13),
    'dma-buf/dynamic-move-notify': size(552_804, 8_418_922, 27),
    'dma-buf/static-pinned': size(77_908, 1_171_038, 19),
  },
  minimal: {
    'struct-page/mainline': size(56_471, 1_069_496, 22),
    'struct-page/lsfmm-2020': size(87_527, 2_201_800, 22),
    // no fault injection in this world: the leaky path is never taken
    'struct-page/bug-insert-leak': size(56_471, 1_069_496, 22),
    'struct-page/bug-zone-device-refcount': size(71_249, 1_280_698, 23),
    'vma-p2p/rfc-2019': size(644, 9_684, 12),
    'vma-p2p/legacy-importer': size(1_840, 27_919, 16),
    'vma-p2p/exporter-no-wait': size(596, 8_951, 11),
    'vma-p2p/as-posted': size(510, 7_340, 13),
    'dma-buf/revoke-v7.1': size(59_316, 912_594, 14),
    'dma-buf/vfio-v6.19': size(59_316, 912_594, 14),
    'dma-buf/vfio-v6.19-rc': size(171_156, 2_567_618, 14),
    'dma-buf/dynamic-move-notify': size(7_150, 109_245, 14),
    'dma-buf/static-pinned': size(1_770, 26_353, 12),
  },
  routes: {
    'struct-page/mainline': size(17_980, 303_430, 15),
    'struct-page/lsfmm-2020': size(43_856, 827_720, 15),
    'struct-page/bug-insert-leak': size(21_945, 366_464, 16),
    'struct-page/bug-zone-device-refcount': size(22_708, 361_306, 16),
    'vma-p2p/rfc-2019': size(6_108, 82_278, 14),
    'vma-p2p/legacy-importer': size(16_528, 224_764, 17),
    'vma-p2p/exporter-no-wait': size(5_396, 71_890, 13),
    'vma-p2p/as-posted': size(5_316, 70_170, 14),
    'dma-buf/revoke-v7.1': size(20_562, 270_300, 12),
    'dma-buf/vfio-v6.19': size(20_562, 270_300, 12),
    'dma-buf/vfio-v6.19-rc': size(31_602, 407_372, 12),
    'dma-buf/dynamic-move-notify': size(59_548, 849_550, 16),
    'dma-buf/static-pinned': size(14_220, 198_198, 13),
  },
};

/** A search bound for a world: twice its pinned size, so a space that blows up stops early and fails. */
export const stateBound = (s: Size) => 2 * s.states;
