/**
 * The pending-event set: a monotone radix heap with 8-bit digits (Ahuja, Mehlhorn, Orlin
 * and Tarjan, "Faster algorithms for the shortest path problem", JACM 37(2), 1990,
 * generalised to multi-bit digits as in Cherkassky, Goldberg and Silverstein's
 * multi-level buckets), specialised for discrete-event simulation.
 *
 * Why: simulation time never runs backwards, so the queue is *monotone*: every new event
 * is at or after the last one taken out. A radix heap exploits that. Each pending event
 * sits in the bucket named by the highest 8-bit digit in which its time differs from
 * `last` (the time of the current run) and by its value in that digit. Taking the minimum
 * means emptying the lowest non-empty bucket and re-filing its events against the new
 * `last`; every move files an event in a strictly lower level, so an event moves at most
 * seven times in its life and, for typical delays, about three (measured: 3.0 per event
 * in `kernel.hold`). Buckets hold (time, key, slot) triples by value in chunks of
 * CHUNK entries drawn from one shared pool, so the moves stream through memory instead of
 * chasing pointers, and memory stays proportional to the pending events (a bucket that
 * was once crowded gives its chunks back when it empties).
 *
 * The run. Events at the current time `last` (and any scheduled at or before it, e.g.
 * after `run(until)` stopped short of `last`) are kept in a small array sorted by
 * (time, key): the next events to fire, in exact order. key = prio * 2^52 + seq, where
 * seq counts insertions, so ties pop urgent first, then in insertion order.
 *
 * Slots and cancellation. An event owns a slot (integer id) holding its handler,
 * argument, time and key; the numeric fields sit together in one 32-byte record, so
 * firing an event touches one cache line for them. Bucket entries carry the key they were
 * filed with; an entry is live only while its slot still holds that key, so cancel and
 * re-arm are O(1): the slot forgets the key, and the stale entry travels on untouched
 * (no slot lookups while re-filing) until it reaches the run, where it is dropped. One-shot slots are
 * recycled through a free stack with a generation (TimerId = gen * 2^24 + slot), so a
 * stale id never cancels a newer event; timer slots (re-armable) are never recycled.
 *
 * Times are integers (ns) below 2^53. Hot path: benchmarked by `kernel.hold`.
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
const TWO32 = 2 ** 32;
/** 53-bit times in 8-bit digits: levels 0..6. */
const LEVELS = 7;
const BUCKETS = LEVELS * 256;
/** Entry layout in bucket and run arrays: time, key, slot. */
const STRIDE = 3;
/** Slot record layout. */
const SLOT_REC = 4;
const S_KEY = 0;
const S_TIME = 1;
const S_ARG = 2;
/** Generation of a one-shot slot, or OWNED for a timer's slot. */
const S_GEN = 3;
const OWNED = -1;
/** Key of a slot with no pending event. */
const NO_KEY = -1;
const INITIAL_SLOTS = 1024;
/** Entries per chunk of bucket storage (768 bytes). */
const CHUNK = 32;
const CHUNK_DOUBLES = CHUNK * STRIDE;
const NIL = -1;

export class RadixQueue<F> {
  /** Slot records: SLOT_REC doubles each (key, time, arg, gen). */
  private rec: Float64Array;
  private readonly sFn: (F | undefined)[] = [];
  private free: Int32Array;
  private freeTop = 0;
  private slotCount = 0;
  /** Live pending events. */
  private n = 0;
  private seq = 0;

  // Buckets, one per (level, digit): chained chunks of the pool, and a bitmap of the
  // non-empty ones. A bucket's entries fill its chunks in order; only the tail is partial.
  private pool: Float64Array;
  private chunkNext: Int32Array;
  private freeChunk = NIL;
  private chunksUsed = 0;
  private readonly bHead = new Int32Array(BUCKETS).fill(NIL);
  private readonly bTail = new Int32Array(BUCKETS).fill(NIL);
  /** Entries in the tail chunk. */
  private readonly bTailFill = new Int32Array(BUCKETS);
  private readonly nonEmpty = new Int32Array(BUCKETS / 32);
  private last = 0;
  private lastHi = 0;
  private lastLo = 0;

  // The run: entries at or before `last`, sorted by (time, key); rc is the read cursor.
  private run = new Float64Array(STRIDE * 256);
  private rn = 0;
  private rc = 0;

  constructor(slots = INITIAL_SLOTS) {
    this.rec = new Float64Array(slots * SLOT_REC);
    this.free = new Int32Array(slots);
    this.pool = new Float64Array(CHUNK_DOUBLES * 256);
    this.chunkNext = new Int32Array(256);
  }

  get size(): number {
    return this.n;
  }

  /** Time of the earliest pending event; Infinity when empty. */
  peekTime(): number {
    if (this.n === 0) return Number.POSITIVE_INFINITY;
    this.skipDead();
    return this.run[STRIDE * this.rc];
  }

  /** Schedules a one-shot event at integer time `time` (>= the last time popped); returns its id. */
  push(time: number, fn: F, arg: number, prio: Prio): TimerId {
    const slot = this.freeTop > 0 ? this.free[--this.freeTop] : this.newSlot(0);
    this.sFn[slot] = fn;
    this.rec[slot * SLOT_REC + S_ARG] = arg;
    this.insert(slot, time, prio);
    return (this.rec[slot * SLOT_REC + S_GEN] * SLOT_SPACE + slot) as TimerId;
  }

  /** Reserves a slot for a re-armable timer; it is never recycled. */
  ownSlot(fn: F, arg: number): number {
    const slot = this.newSlot(OWNED);
    this.sFn[slot] = fn;
    this.rec[slot * SLOT_REC + S_ARG] = arg;
    return slot;
  }

  /** (Re)schedules a timer slot; a pending arming is dropped and the new one gets a fresh order. */
  armOwned(slot: number, time: number, prio: Prio): void {
    if (this.rec[slot * SLOT_REC + S_KEY] !== NO_KEY) this.n--;
    this.insert(slot, time, prio);
  }

  disarmOwned(slot: number): boolean {
    if (this.rec[slot * SLOT_REC + S_KEY] === NO_KEY) return false;
    this.rec[slot * SLOT_REC + S_KEY] = NO_KEY;
    this.n--;
    return true;
  }

  isArmed(slot: number): boolean {
    return this.rec[slot * SLOT_REC + S_KEY] !== NO_KEY;
  }

  slotTime(slot: number): number {
    return this.rec[slot * SLOT_REC + S_TIME];
  }

  /** Cancels a one-shot event; false if it already fired or was cancelled. */
  cancel(id: TimerId): boolean {
    if (!this.isPending(id)) return false;
    const slot = id % SLOT_SPACE;
    this.rec[slot * SLOT_REC + S_KEY] = NO_KEY;
    this.n--;
    this.release(slot);
    return true;
  }

  /** Whether a one-shot event is still pending. */
  isPending(id: TimerId): boolean {
    const slot = id % SLOT_SPACE;
    const gen = (id - slot) / SLOT_SPACE;
    const o = slot * SLOT_REC;
    return slot < this.slotCount && this.rec[o + S_GEN] === gen && this.rec[o + S_KEY] !== NO_KEY;
  }

  /**
   * Removes the earliest event if its time is at most `limit` and returns its slot
   * (its time is then `poppedTime`), or returns -1 (queue empty or next event later).
   * The caller then reads fn/arg and calls `retire(slot)` as for `popSlot`. One pass over
   * the run instead of a peek followed by a pop: this is the kernel's hot loop.
   */
  popUntil(limit: number): number {
    if (this.n === 0) return -1;
    this.skipDead();
    const o = STRIDE * this.rc;
    const t = this.run[o];
    if (t > limit) return -1;
    const slot = this.run[o + 2];
    this.rc++;
    this.rec[slot * SLOT_REC + S_KEY] = NO_KEY;
    this.n--;
    this.poppedTime = t;
    return slot;
  }

  /** Time of the event last returned by `popUntil`. */
  poppedTime = 0;

  /**
   * Removes the earliest event and returns its slot. The caller reads fn/arg with
   * `fnOf`/`argOf` and must then call `retire(slot)` before running the handler, so the
   * handler may reuse the slot. Caller guarantees the queue is not empty.
   */
  popSlot(): number {
    this.skipDead();
    const slot = this.run[STRIDE * this.rc + 2];
    this.rc++;
    this.rec[slot * SLOT_REC + S_KEY] = NO_KEY;
    this.n--;
    return slot;
  }

  fnOf(slot: number): F {
    return this.sFn[slot] as F;
  }

  argOf(slot: number): number {
    return this.rec[slot * SLOT_REC + S_ARG];
  }

  /** Returns a fired one-shot slot to the free stack; timer slots stay reserved. */
  retire(slot: number): void {
    if (this.rec[slot * SLOT_REC + S_GEN] !== OWNED) this.release(slot);
  }

  private release(slot: number): void {
    const g = slot * SLOT_REC + S_GEN;
    this.sFn[slot] = undefined;
    this.rec[g] = (this.rec[g] + 1) % GEN_LIMIT;
    this.free[this.freeTop++] = slot;
  }

  // Hot path: every schedule lands here.
  private insert(slot: number, t: number, prio: Prio): void {
    const key = prio * PRIO_STRIDE + this.seq++;
    const o = slot * SLOT_REC;
    this.rec[o + S_KEY] = key;
    this.rec[o + S_TIME] = t;
    this.n++;
    this.file(t, key, slot);
  }

  /** Files an entry: into the run if at or before `last`, else into its radix bucket. */
  private file(t: number, key: number, slot: number): void {
    if (t <= this.last) {
      this.runInsert(t, key, slot);
      return;
    }
    const lo = t >>> 0; // t mod 2^32 (ToUint32), exact for integers below 2^53
    const hi = (t - lo) / TWO32;
    const dh = hi ^ this.lastHi;
    let b: number;
    if (dh !== 0) {
      const level = (63 - Math.clz32(dh)) >> 3;
      b = (level << 8) | ((hi >>> ((level << 3) - 32)) & 255);
    } else {
      const level = (31 - Math.clz32(lo ^ this.lastLo)) >> 3;
      b = (level << 8) | ((lo >>> (level << 3)) & 255);
    }
    let tail = this.bTail[b];
    let fill = this.bTailFill[b];
    if (tail === NIL || fill === CHUNK) {
      const chunk = this.takeChunk();
      if (tail === NIL) {
        this.bHead[b] = chunk;
        this.nonEmpty[b >> 5] |= 1 << (b & 31);
      } else this.chunkNext[tail] = chunk;
      this.bTail[b] = tail = chunk;
      fill = 0;
    }
    const o = tail * CHUNK_DOUBLES + STRIDE * fill;
    const pool = this.pool;
    pool[o] = t;
    pool[o + 1] = key;
    pool[o + 2] = slot;
    this.bTailFill[b] = fill + 1;
  }

  /** Inserts into the sorted run; normal events at `last` append in O(1). */
  private runInsert(t: number, key: number, slot: number): void {
    if (this.rc > 0 && this.rc === this.rn) {
      this.rc = 0;
      this.rn = 0;
    }
    let r = this.run;
    if (STRIDE * this.rn === r.length) {
      r = new Float64Array(r.length * 2);
      r.set(this.run);
      this.run = r;
    }
    let p = this.rn++;
    while (p > this.rc) {
      const q = STRIDE * (p - 1);
      const qt = r[q];
      if (qt < t || (qt === t && r[q + 1] < key)) break;
      r[STRIDE * p] = qt;
      r[STRIDE * p + 1] = r[q + 1];
      r[STRIDE * p + 2] = r[q + 2];
      p--;
    }
    r[STRIDE * p] = t;
    r[STRIDE * p + 1] = key;
    r[STRIDE * p + 2] = slot;
  }

  /** Advances the run cursor past cancelled entries, refilling the run when it empties. */
  private skipDead(): void {
    const rec = this.rec;
    for (;;) {
      while (this.rc < this.rn) {
        const o = STRIDE * this.rc;
        if (rec[this.run[o + 2] * SLOT_REC + S_KEY] === this.run[o + 1]) return;
        this.rc++;
      }
      this.refill();
    }
  }

  /**
   * Empties the lowest non-empty bucket into the run (level 0: all its entries share one
   * time) or re-files it against its minimum, until the run is not empty. Cancelled
   * entries are re-filed like live ones (looking them up would cost a cache miss per
   * move); the run drops them.
   */
  private refill(): void {
    this.rn = 0;
    this.rc = 0;
    while (this.rn === 0) {
      const b = this.lowestBucket();
      // Detach the bucket's chunk chain, then re-file its entries (never back into b).
      const head = this.bHead[b];
      const tail = this.bTail[b];
      const tailFill = this.bTailFill[b];
      this.bHead[b] = NIL;
      this.bTail[b] = NIL;
      this.bTailFill[b] = 0;
      this.nonEmpty[b >> 5] &= ~(1 << (b & 31));
      let min = Number.POSITIVE_INFINITY;
      for (let c = head; c !== NIL; c = this.chunkNext[c]) {
        const base = c * CHUNK_DOUBLES;
        const end = base + STRIDE * (c === tail ? tailFill : CHUNK);
        for (let o = base; o < end; o += STRIDE) if (this.pool[o] < min) min = this.pool[o];
      }
      this.last = min;
      this.lastLo = min >>> 0;
      this.lastHi = (min - this.lastLo) / TWO32;
      let c = head;
      while (c !== NIL) {
        const base = c * CHUNK_DOUBLES;
        const end = base + STRIDE * (c === tail ? tailFill : CHUNK);
        // file() may grow the pool: re-read it for every entry.
        for (let o = base; o < end; o += STRIDE) this.file(this.pool[o], this.pool[o + 1], this.pool[o + 2]);
        const next = this.chunkNext[c];
        this.chunkNext[c] = this.freeChunk;
        this.freeChunk = c;
        c = next;
      }
    }
  }

  private lowestBucket(): number {
    const words = this.nonEmpty;
    for (let w = 0; w < words.length; w++) {
      const m = words[w];
      if (m !== 0) return (w << 5) | (31 - Math.clz32(m & -m));
    }
    throw new Error("event queue corrupt: live events counted but no bucket holds one");
  }

  private takeChunk(): number {
    let c = this.freeChunk;
    if (c !== NIL) {
      this.freeChunk = this.chunkNext[c];
    } else {
      if (this.chunksUsed === this.chunkNext.length) this.growPool();
      c = this.chunksUsed++;
    }
    this.chunkNext[c] = NIL;
    return c;
  }

  private growPool(): void {
    const chunks = this.chunkNext.length * 2;
    const pool = new Float64Array(chunks * CHUNK_DOUBLES);
    pool.set(this.pool);
    this.pool = pool;
    const next = new Int32Array(chunks);
    next.set(this.chunkNext);
    this.chunkNext = next;
  }

  private newSlot(gen: number): number {
    if (this.slotCount * SLOT_REC === this.rec.length) this.growSlots();
    if (this.slotCount >= SLOT_SPACE) throw new RangeError(`more than ${SLOT_SPACE} pending events`);
    const slot = this.slotCount++;
    this.rec[slot * SLOT_REC + S_KEY] = NO_KEY;
    this.rec[slot * SLOT_REC + S_GEN] = gen;
    return slot;
  }

  private growSlots(): void {
    const cap = (this.rec.length / SLOT_REC) * 2;
    const rec = new Float64Array(cap * SLOT_REC);
    rec.set(this.rec);
    this.rec = rec;
    const free = new Int32Array(cap);
    free.set(this.free);
    this.free = free;
  }
}
