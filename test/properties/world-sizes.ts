// The size of every shipped world's complete search with symmetry, per
// design and preset: pinned, so that a model change that grows or
// shrinks a state space shows up. When a row moves, check the verdicts
// still meet the expected table (expected.test.ts), then update it.
// expected.test.ts checks the default world's rows against the searches
// it makes anyway; worlds.test.ts checks the others.
import type { Design, PresetSpec } from '../../model/design.js';

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
    'struct-page/mainline': size(118_312, 1_826_368, 21),
    'struct-page/lsfmm-2020': size(387_928, 7_951_120, 21),
    'struct-page/bug-insert-leak': size(146_699, 2_248_168, 22),
    'struct-page/bug-zone-device-refcount': size(172_032, 2_581_052, 22),
    'vma-p2p/rfc-2019': size(6_368, 86_968, 15),
    'vma-p2p/legacy-importer': size(34_672, 501_772, 19),
    'vma-p2p/exporter-no-wait': size(7_392, 103_160, 15),
    'vma-p2p/as-posted': size(5_904, 80_172, 16),
    'dma-buf/revoke-v7.1': size(37_392, 510_300, 13),
    'dma-buf/vfio-v6.19': size(43_079, 587_010, 13),
    'dma-buf/vfio-v6.19-rc': size(90_821, 1_225_334, 13),
    'dma-buf/dynamic-move-notify': size(567_200, 8_606_784, 27),
    'dma-buf/static-pinned': size(77_920, 1_171_196, 19),
    'dma-buf/revoke-v7.1-rc': size(44_653, 623_153, 14),
  },
  minimal: {
    'struct-page/mainline': size(106_159, 2_380_252, 23),
    'struct-page/lsfmm-2020': size(153_733, 4_459_532, 23),
    // no fault injection in this world: the leaky path is never taken
    'struct-page/bug-insert-leak': size(106_159, 2_380_252, 23),
    'struct-page/bug-zone-device-refcount': size(152_529, 3_316_538, 24),
    'vma-p2p/rfc-2019': size(486, 6_965, 11),
    'vma-p2p/legacy-importer': size(1_840, 27_919, 16),
    'vma-p2p/exporter-no-wait': size(596, 8_951, 11),
    'vma-p2p/as-posted': size(464, 6_611, 12),
    'dma-buf/revoke-v7.1': size(59_316, 912_594, 14),
    'dma-buf/vfio-v6.19': size(64_310, 990_621, 14),
    'dma-buf/vfio-v6.19-rc': size(161_570, 2_450_997, 14),
    'dma-buf/dynamic-move-notify': size(7_494, 113_997, 14),
    'dma-buf/static-pinned': size(1_770, 26_353, 12),
    'dma-buf/revoke-v7.1-rc': size(63_892, 1_001_100, 14),
  },
  routes: {
    'struct-page/mainline': size(30_344, 565_844, 16),
    'struct-page/lsfmm-2020': size(78_360, 1_647_764, 16),
    'struct-page/bug-insert-leak': size(37_400, 691_716, 17),
    'struct-page/bug-zone-device-refcount': size(42_888, 769_668, 17),
    'vma-p2p/rfc-2019': size(4_868, 63_962, 13),
    'vma-p2p/legacy-importer': size(16_528, 224_764, 17),
    'vma-p2p/exporter-no-wait': size(5_396, 71_890, 13),
    'vma-p2p/as-posted': size(4_740, 62_154, 13),
    'dma-buf/revoke-v7.1': size(20_562, 270_300, 12),
    'dma-buf/vfio-v6.19': size(21_615, 285_058, 12),
    'dma-buf/vfio-v6.19-rc': size(31_371, 408_186, 12),
    'dma-buf/dynamic-move-notify': size(60_556, 862_182, 16),
    'dma-buf/static-pinned': size(14_220, 198_198, 13),
    'dma-buf/revoke-v7.1-rc': size(23_481, 314_551, 12),
  },
};

/** A search bound for a world: twice its pinned size, so a space that blows up stops early and fails. */
export const stateBound = (s: Size) => 2 * s.states;

/** Every pinned space of `design`, over the shipped worlds and its presets. */
export function spacesOf(design: Pick<Design, 'id' | 'presets'>): { world: string; preset: PresetSpec; states: number }[] {
  return Object.entries(worldSizes).flatMap(([world, sizes]) => design.presets.map((preset) => ({ world, preset, states: sizes[`${design.id}/${preset.name}`]!.states })));
}

/** The smallest of `spaces`. */
export const smallest = <T extends { states: number }>(spaces: readonly T[]): T => spaces.reduce((a, b) => (b.states < a.states ? b : a));

