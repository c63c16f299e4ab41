// The registry: design id -> Design. Everything above model/ looks designs up here.
import type { Design, DesignId } from './design.js';
import { dmaBuf } from './dma-buf/index.js';
import { structPage } from './struct-page/index.js';
import { vmaP2p } from './vma-p2p/index.js';

export const designs: readonly Design[] = [structPage as unknown as Design, vmaP2p as unknown as Design, dmaBuf as unknown as Design];

export function findDesign(id: string): Design | undefined {
  return designs.find((d) => d.id === (id as DesignId));
}
