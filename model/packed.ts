// Packed states: a state is `width` bytes of a Uint8Array, so the
// exhaustive search can keep millions of them in an arena, copy one with
// a loop, hash it and compare it. Kernel field names still read as such:
// each entity is a slot cursor (buffer, offset) whose fields are getters
// and setters, so step code reads `page.refcount` and `vma.ptes = false`.

/** A cursor on one entity of a packed state: `b[o]` is its first byte. */
export interface Slot {
  readonly b: Uint8Array;
  readonly o: number;
}

/**
 * How a field is stored in its byte: `u8` a count (0..255), `bool` 0/1,
 * `ref` an entity's index + 1, read back as the index or NONE (no entity).
 */
export type FieldKind = 'u8' | 'bool' | 'ref';

/** A `ref` field naming no entity. */
export const NONE = -1;

/** The fields of slot type T (its own, not the cursor's), each with its storage. */
export type FieldSpec<T> = { readonly [K in Exclude<keyof T, keyof Slot>]: FieldKind };

export interface SlotClass<T> {
  new (b: Uint8Array, o: number): T & Slot;
  /** Bytes per slot: one per field. */
  readonly size: number;
}

/** Per field kind: what a read appends to the byte, what a write stores for `v`. */
const storage: Readonly<Record<FieldKind, { readonly read: string; readonly write: string }>> = {
  u8: { read: '', write: 'v' },
  bool: { read: ' === 1', write: 'v ? 1 : 0' },
  ref: { read: ' - 1', write: 'v + 1' },
};

/**
 * A cursor class for slot type T: one byte per field of `spec`, in its
 * order. Class, constructor and every accessor are compiled for this
 * class alone: code shared between classes shares its type feedback,
 * and a site that sees many slot classes goes megamorphic (10x slower).
 */
export function slotClass<T>(spec: FieldSpec<T>): SlotClass<T> {
  const C = new Function('return class { constructor(b, o) { this.b = b; this.o = o; } };')() as SlotClass<T>;
  let k = 0;
  for (const [name, kind] of Object.entries(spec) as [string, FieldKind][]) {
    const { read, write } = storage[kind];
    Object.defineProperty(C.prototype, name, {
      get: new Function(`return this.b[this.o + ${k}]${read};`) as () => unknown,
      set: new Function('v', `this.b[this.o + ${k}] = ${write};`) as (v: unknown) => void,
    });
    k++;
  }
  Object.defineProperty(C, 'size', { value: k });
  return C;
}

/** The byte of field `name` within a slot of `spec`: fields take one byte each, in order. */
export function fieldOffset<T>(spec: FieldSpec<T>, name: Exclude<keyof T, keyof Slot>): number {
  return Object.keys(spec).indexOf(name as string);
}

/** Zero `n` bytes of `b` from `o`: a dead entity's one canonical form. */
export function clearBytes(b: Uint8Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) b[o + i] = 0;
}
