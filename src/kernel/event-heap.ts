/**
 * The pending-event set: a binary min-heap over struct-of-arrays columns.
 *
 * Design. An event lives in a *slot* (an integer id) whose columns hold its time,
 * tie-break key, handler, numeric argument and current heap position. The heap itself
 * keeps (time, key, slot) triples in heap order in parallel typed arrays, so a sift
 * compares adjacent Float64Array entries and never touches a JS object. Every move
 * updates the slot's heap position, which makes cancel and re-arm O(log n) and exact.
 *
 * Order. Events pop by (time, key). The key is `prio * 2^52 + seq`, where seq counts
 * insertions: equal times pop urgent-first, then in insertion order. seq stays below
 * 2^52 (4.5e15 insertions), so the key is an exact integer in a double.
 *
 * Slots. One-shot events take a slot from a free stack and return it when they fire or
 * are cancelled; each return bumps the slot's generation, and the public TimerId packs
 * (generation, slot), so a stale id can never cancel a newer event in a reused slot.
 * Owned slots (re-armable timers) are never returned. Columns grow by doubling, which is
 * the only allocation, amortised and bounded by the peak number of pending events.
 *
 * Hot path: benchmarked by `kernel.hold`.
 */

/** Urgent events run before normal ones scheduled for the same time (signal callbacks). */
export const URGENT = 0;
/** Ordinary events. */
export const NORMAL = 1;
export type Prio = typeof URGENT | typeof NORMAL;

/** Generation and slot packed in one double: gen * SLOT_SPACE + slot. */
export type TimerId = number & { readonly __timer: true };

const SLOT_BITS = 24;
/** At most 16.7 million events may be pending at once. */
export const SLOT_SPACE = 2 ** SLOT_BITS;
const GEN_LIMIT = 2 ** 28;
const PRIO_STRIDE = 2 ** 52;
const INITIAL_CAPACITY = 1024;

export class EventHeap<F> {
  // Slot columns, indexed by slot id.
  private sTime: Float64Array;
  private sKey: Float64Array;
  private sArg: Float64Array;
  private sPos: Int32Array;
  private sGen: Int32Array;
  private sOwned: Uint8Array;
  private readonly sFn: (F | undefined)[] = [];
  // Free one-shot slots, as a stack.
  private free: Int32Array;
  private freeTop = 0;
  private slotCount = 0;
  // The heap, in heap order.
  private hTime: Float64Array;
  private hKey: Float64Array;
  private hSlot: Int32Array;
  private n = 0;
  private seq = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.sTime = new Float64Array(capacity);
    this.sKey = new Float64Array(capacity);
    this.sArg = new Float64Array(capacity);
    this.sPos = new Int32Array(capacity).fill(-1);
    this.sGen = new Int32Array(capacity);
    this.sOwned = new Uint8Array(capacity);
    this.free = new Int32Array(capacity);
    this.hTime = new Float64Array(capacity);
    this.hKey = new Float64Array(capacity);
    this.hSlot = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** Time of the earliest pending event; Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.hTime[0] : Number.POSITIVE_INFINITY;
  }

  /** Schedules a one-shot event; returns its id. */
  push(time: number, fn: F, arg: number, prio: Prio): TimerId {
    const slot = this.freeTop > 0 ? this.free[--this.freeTop] : this.newSlot();
    this.sFn[slot] = fn;
    this.sArg[slot] = arg;
    this.insert(slot, time, prio);
    return (this.sGen[slot] * SLOT_SPACE + slot) as TimerId;
  }

  /** Reserves a slot for a re-armable timer; it is never freed. */
  ownSlot(fn: F, arg: number): number {
    const slot = this.newSlot();
    this.sOwned[slot] = 1;
    this.sFn[slot] = fn;
    this.sArg[slot] = arg;
    return slot;
  }

  /** (Re)schedules an owned slot; if it is pending it moves, taking a fresh insertion order. */
  armOwned(slot: number, time: number, prio: Prio): void {
    if (this.sPos[slot] >= 0) this.removeAt(this.sPos[slot]);
    this.insert(slot, time, prio);
  }

  disarmOwned(slot: number): boolean {
    const pos = this.sPos[slot];
    if (pos < 0) return false;
    this.removeAt(pos);
    return true;
  }

  isArmed(slot: number): boolean {
    return this.sPos[slot] >= 0;
  }

  slotTime(slot: number): number {
    return this.sTime[slot];
  }

  /** Cancels a one-shot event; false if it already fired or was cancelled. */
  cancel(id: TimerId): boolean {
    const slot = id % SLOT_SPACE;
    const gen = (id - slot) / SLOT_SPACE;
    if (slot >= this.slotCount || this.sOwned[slot] === 1) return false;
    if (this.sGen[slot] !== gen || this.sPos[slot] < 0) return false;
    this.removeAt(this.sPos[slot]);
    this.release(slot);
    return true;
  }

  /** Whether a one-shot event is still pending. */
  isPending(id: TimerId): boolean {
    const slot = id % SLOT_SPACE;
    const gen = (id - slot) / SLOT_SPACE;
    return slot < this.slotCount && this.sGen[slot] === gen && this.sPos[slot] >= 0;
  }

  /**
   * Removes the earliest event and returns its slot. The caller reads fn/arg with
   * `fnOf`/`argOf` and must then call `retire(slot)` before running the handler, so the
   * handler may reuse the slot. Caller guarantees the heap is not empty.
   */
  popSlot(): number {
    const slot = this.hSlot[0];
    this.sPos[slot] = -1;
    const last = --this.n;
    if (last > 0) this.siftDown(0, this.hTime[last], this.hKey[last], this.hSlot[last]);
    return slot;
  }

  fnOf(slot: number): F {
    return this.sFn[slot] as F;
  }

  argOf(slot: number): number {
    return this.sArg[slot];
  }

  /** Returns a fired one-shot slot to the free stack; owned slots stay reserved. */
  retire(slot: number): void {
    if (this.sOwned[slot] === 0) this.release(slot);
  }

  private release(slot: number): void {
    this.sFn[slot] = undefined;
    this.sGen[slot] = (this.sGen[slot] + 1) % GEN_LIMIT;
    this.free[this.freeTop++] = slot;
  }

  private insert(slot: number, time: number, prio: Prio): void {
    const key = prio * PRIO_STRIDE + this.seq++;
    this.sTime[slot] = time;
    this.sKey[slot] = key;
    if (this.n === this.hTime.length) this.growHeap();
    this.siftUp(this.n++, time, key, slot);
  }

  private removeAt(pos: number): void {
    const slot = this.hSlot[pos];
    this.sPos[slot] = -1;
    const last = --this.n;
    if (pos === last) return;
    const t = this.hTime[last];
    const k = this.hKey[last];
    const s = this.hSlot[last];
    // The moved element may belong above or below the hole.
    if (pos > 0 && less(t, k, this.hTime[(pos - 1) >> 1], this.hKey[(pos - 1) >> 1]))
      this.siftUp(pos, t, k, s);
    else this.siftDown(pos, t, k, s);
  }

  // Hot path: moves the hole up from `pos` and drops (t, k, s) into place.
  private siftUp(pos: number, t: number, k: number, s: number): void {
    const hT = this.hTime;
    const hK = this.hKey;
    const hS = this.hSlot;
    const sPos = this.sPos;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = hT[parent];
      if (pt < t || (pt === t && hK[parent] < k)) break;
      hT[pos] = pt;
      hK[pos] = hK[parent];
      const ps = hS[parent];
      hS[pos] = ps;
      sPos[ps] = pos;
      pos = parent;
    }
    hT[pos] = t;
    hK[pos] = k;
    hS[pos] = s;
    sPos[s] = pos;
  }

  // Hot path: moves the hole down from `pos` and drops (t, k, s) into place.
  private siftDown(pos: number, t: number, k: number, s: number): void {
    const hT = this.hTime;
    const hK = this.hKey;
    const hS = this.hSlot;
    const sPos = this.sPos;
    const n = this.n;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      let ct = hT[child];
      let ck = hK[child];
      const right = child + 1;
      if (right < n) {
        const rt = hT[right];
        if (rt < ct || (rt === ct && hK[right] < ck)) {
          child = right;
          ct = rt;
          ck = hK[right];
        }
      }
      if (t < ct || (t === ct && k < ck)) break;
      hT[pos] = ct;
      hK[pos] = ck;
      const cs = hS[child];
      hS[pos] = cs;
      sPos[cs] = pos;
      pos = child;
    }
    hT[pos] = t;
    hK[pos] = k;
    hS[pos] = s;
    sPos[s] = pos;
  }

  private newSlot(): number {
    if (this.slotCount === this.sTime.length) this.growSlots();
    if (this.slotCount >= SLOT_SPACE) throw new RangeError(`more than ${SLOT_SPACE} pending events`);
    return this.slotCount++;
  }

  private growSlots(): void {
    const cap = this.sTime.length * 2;
    this.sTime = grow(this.sTime, new Float64Array(cap));
    this.sKey = grow(this.sKey, new Float64Array(cap));
    this.sArg = grow(this.sArg, new Float64Array(cap));
    const pos = new Int32Array(cap).fill(-1);
    pos.set(this.sPos);
    this.sPos = pos;
    this.sGen = grow(this.sGen, new Int32Array(cap));
    this.sOwned = grow(this.sOwned, new Uint8Array(cap));
    this.free = grow(this.free, new Int32Array(cap));
  }

  private growHeap(): void {
    const cap = this.hTime.length * 2;
    this.hTime = grow(this.hTime, new Float64Array(cap));
    this.hKey = grow(this.hKey, new Float64Array(cap));
    this.hSlot = grow(this.hSlot, new Int32Array(cap));
  }
}

function less(t1: number, k1: number, t2: number, k2: number): boolean {
  return t1 < t2 || (t1 === t2 && k1 < k2);
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(old: T, bigger: T): T {
  bigger.set(old);
  return bigger;
}
