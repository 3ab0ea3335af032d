import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NORMAL, RadixQueue, type TimerId, URGENT } from "./radix-queue.js";

type Op =
  | { kind: "push"; time: number; urgent: boolean }
  | { kind: "pop" }
  | { kind: "cancel"; which: number }
  | { kind: "rearm"; which: number; time: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("push" as const),
    time: fc.integer({ min: 0, max: 50 }),
    urgent: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("pop" as const) }),
  fc.record({ kind: fc.constant("cancel" as const), which: fc.nat() }),
  fc.record({ kind: fc.constant("rearm" as const), which: fc.nat(), time: fc.integer({ min: 0, max: 50 }) }),
);

/** The reference model: a plain list sorted on demand by (time, prio, insertion order). */
interface Ref {
  id: number;
  time: number;
  prio: number;
  seq: number;
}

describe("RadixQueue", () => {
  it("pops by (time, priority, insertion order) under any mix of push, pop, cancel and re-arm", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const heap = new RadixQueue<number>(4);
        const owned = [heap.ownSlot(-1, 0), heap.ownSlot(-2, 0)];
        let ref: Ref[] = [];
        const oneShots: TimerId[] = [];
        let seq = 0;
        let label = 0;
        for (const op of ops) {
          if (op.kind === "push") {
            const prio = op.urgent ? URGENT : NORMAL;
            const id = heap.push(op.time, label, 0, prio);
            oneShots.push(id);
            ref.push({ id: label++, time: op.time, prio, seq: seq++ });
          } else if (op.kind === "pop") {
            if (ref.length === 0) {
              expect(heap.size).toBe(0);
              continue;
            }
            ref.sort((a, b) => a.time - b.time || a.prio - b.prio || a.seq - b.seq);
            const want = ref.shift()!;
            expect(heap.peekTime()).toBe(want.time);
            const slot = heap.popSlot();
            expect(heap.fnOf(slot)).toBe(want.id);
            heap.retire(slot);
          } else if (op.kind === "cancel" && oneShots.length > 0) {
            const idx = op.which % oneShots.length;
            const pendingBefore = ref.some((r) => r.id === idx);
            expect(heap.cancel(oneShots[idx])).toBe(pendingBefore);
            ref = ref.filter((r) => r.id !== idx);
          } else if (op.kind === "rearm") {
            const which = op.which % 2;
            const fnLabel = which === 0 ? -1 : -2;
            heap.armOwned(owned[which], op.time, NORMAL);
            ref = ref.filter((r) => r.id !== fnLabel);
            ref.push({ id: fnLabel, time: op.time, prio: NORMAL, seq: seq++ });
          }
          expect(heap.size).toBe(ref.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("does not let a stale id cancel a newer event that reuses its slot", () => {
    const heap = new RadixQueue<string>();
    const first = heap.push(5, "first", 0, NORMAL);
    heap.retire(heap.popSlot());
    const second = heap.push(7, "second", 0, NORMAL);
    expect(heap.cancel(first)).toBe(false);
    expect(heap.isPending(second)).toBe(true);
    expect(heap.cancel(second)).toBe(true);
    expect(heap.cancel(second)).toBe(false);
  });

  it("grows past its initial capacity and keeps order", () => {
    const heap = new RadixQueue<number>(2);
    const times = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
    for (const t of times) heap.push(t, t, 0, NORMAL);
    const out: number[] = [];
    while (heap.size > 0) {
      const slot = heap.popSlot();
      out.push(heap.fnOf(slot));
      heap.retire(slot);
    }
    expect(out).toEqual([...times].sort((a, b) => a - b));
  });
});

describe("RadixQueue under load", () => {
  /** A reference: sorts pending (time, key) pairs on every pop. Exact and slow. */
  function check(times: (i: number, now: number) => number, ops: number, seed: number): void {
    const q = new RadixQueue<number>(8);
    const ref = new Map<number, { t: number; k: number }>();
    let seq = 0;
    let now = 0;
    let x = seed;
    const rand = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x / 2 ** 32;
    };
    const ids = new Map<number, TimerId>();
    for (let i = 0; i < ops; i++) {
      const u = rand();
      if (u < 0.55 || ref.size === 0) {
        const t = now + times(i, now);
        const urgent = rand() < 0.1;
        const id = q.push(t, i, 0, urgent ? URGENT : NORMAL);
        ids.set(i, id);
        ref.set(i, { t, k: (urgent ? 0 : 2 ** 52) + seq++ });
      } else if (u < 0.9) {
        let best = -1;
        let bt = Number.POSITIVE_INFINITY;
        let bk = Number.POSITIVE_INFINITY;
        for (const [label, e] of ref) {
          if (e.t < bt || (e.t === bt && e.k < bk)) {
            best = label;
            bt = e.t;
            bk = e.k;
          }
        }
        expect(q.peekTime()).toBe(bt);
        const slot = q.popSlot();
        expect(q.fnOf(slot)).toBe(best);
        q.retire(slot);
        ref.delete(best);
        now = bt;
      } else {
        const labels = [...ref.keys()];
        const victim = labels[Math.floor(rand() * labels.length)];
        expect(q.cancel(ids.get(victim)!)).toBe(true);
        ref.delete(victim);
      }
      expect(q.size).toBe(ref.size);
    }
  }

  it("keeps exact order with exponential-like spreads (every radix level exercised)", () => {
    check((i) => Math.floor(-1e6 * Math.log(((i * 7919) % 9973) / 9973 + 1e-4)), 20_000, 1);
  });

  it("keeps exact order with clustered and identical times", () => {
    check((i) => (i % 7 === 0 ? 0 : i % 3 === 0 ? 1_000_000 : 5), 20_000, 2);
  });

  it("keeps exact order with a few far-future events among near ones", () => {
    check((i) => (i % 50 === 0 ? 3_600e9 : i % 13), 20_000, 3);
  });
});
