// Liveness over the whole graph: from which states can some path of
// allowed steps (kernel and device steps; for no-leak, exits too) reach a
// goal state? One backward breadth-first pass over the recorded edges,
// linear in the graph, as a model checker decides "AG EF goal" on a
// finite state space.

/** Edge kinds a search records. */
export const PROGRESS = 1;
export const EXIT = 2;

/** The allowed edges found by a search: from, to and kind, in growable arrays. */
export class Edges {
  count = 0;
  from = new Int32Array(1 << 12);
  to = new Int32Array(1 << 12);
  kind = new Uint8Array(1 << 12);

  add(from: number, to: number, kind: number): void {
    if (this.count === this.from.length) {
      const size = this.count * 2;
      const grow = <T extends Int32Array | Uint8Array>(a: T, b: T) => {
        b.set(a);
        return b;
      };
      this.from = grow(this.from, new Int32Array(size));
      this.to = grow(this.to, new Int32Array(size));
      this.kind = grow(this.kind, new Uint8Array(size));
    }
    this.from[this.count] = from;
    this.to[this.count] = to;
    this.kind[this.count] = kind;
    this.count++;
  }
}

/**
 * For each of `n` states, 1 if a path of edges whose kind is in `mask`
 * leads from it to a state where `goal` holds (the goal states included).
 */
export function canReach(n: number, goal: (i: number) => boolean, edges: Edges, mask: number): Uint8Array {
  // incoming edges of each state, compressed (CSR by target)
  const start = new Int32Array(n + 1);
  for (let e = 0; e < edges.count; e++) if (edges.kind[e]! & mask) start[edges.to[e]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const sources = new Int32Array(start[n]!);
  const fill = start.slice(0, n);
  for (let e = 0; e < edges.count; e++) if (edges.kind[e]! & mask) sources[fill[edges.to[e]!]!++] = edges.from[e]!;

  const reached = new Uint8Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++)
    if (goal(i)) {
      reached[i] = 1;
      queue[tail++] = i;
    }
  for (let head = 0; head < tail; head++) {
    const j = queue[head]!;
    for (let k = start[j]!; k < start[j + 1]!; k++) {
      const i = sources[k]!;
      if (reached[i] === 0) {
        reached[i] = 1;
        queue[tail++] = i;
      }
    }
  }
  return reached;
}
