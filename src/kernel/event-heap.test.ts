import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventHeap, NORMAL, type TimerId, URGENT } from "./event-heap.js";

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

describe("EventHeap", () => {
  it("pops by (time, priority, insertion order) under any mix of push, pop, cancel and re-arm", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const heap = new EventHeap<number>(4);
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
    const heap = new EventHeap<string>();
    const first = heap.push(5, "first", 0, NORMAL);
    heap.retire(heap.popSlot());
    const second = heap.push(7, "second", 0, NORMAL);
    expect(heap.cancel(first)).toBe(false);
    expect(heap.isPending(second)).toBe(true);
    expect(heap.cancel(second)).toBe(true);
    expect(heap.cancel(second)).toBe(false);
  });

  it("grows past its initial capacity and keeps order", () => {
    const heap = new EventHeap<number>(2);
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
