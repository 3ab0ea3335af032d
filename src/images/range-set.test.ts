import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RangeSet } from "./range-set.js";

/** Reference: a bitmap over [0, 64). */
const N = 64;
function bits(ranges: readonly (readonly [number, number])[]): boolean[] {
  const b = new Array<boolean>(N).fill(false);
  for (const [s, e] of ranges) for (let i = s; i < e; i++) b[i] = true;
  return b;
}
function bitsOf(r: RangeSet): boolean[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < r.count; i++) pairs.push([r.starts[i], r.ends[i]]);
  return bits(pairs);
}
const range = fc
  .tuple(fc.integer({ min: 0, max: N }), fc.integer({ min: 0, max: N }))
  .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
const ranges = fc.array(range, { maxLength: 8 });

describe("RangeSet", () => {
  it("union, intersect, subtract and size agree with a bitmap", () => {
    fc.assert(
      fc.property(ranges, ranges, (a, b) => {
        const A = RangeSet.of(a);
        const B = RangeSet.of(b);
        const ba = bits(a);
        const bb = bits(b);
        expect(bitsOf(A.union(B))).toEqual(ba.map((x, i) => x || bb[i]));
        expect(bitsOf(A.intersect(B))).toEqual(ba.map((x, i) => x && bb[i]));
        expect(bitsOf(A.subtract(B))).toEqual(ba.map((x, i) => x && !bb[i]));
        expect(A.size()).toBe(ba.filter(Boolean).length);
      }),
    );
  });

  it("keeps ranges sorted, disjoint and coalesced", () => {
    fc.assert(
      fc.property(ranges, ranges, (a, b) => {
        for (const r of [RangeSet.of(a), RangeSet.of(a).subtract(RangeSet.of(b))]) {
          for (let i = 0; i < r.count; i++) {
            expect(r.ends[i]).toBeGreaterThan(r.starts[i]);
            if (i > 0) expect(r.starts[i]).toBeGreaterThan(r.ends[i - 1]);
          }
        }
      }),
    );
  });

  it("turns sorted clusters into coalesced byte ranges, clipped to the size", () => {
    const r = RangeSet.ofClusters([0, 1, 2, 5, 9], 4, 38);
    expect([...r.starts]).toEqual([0, 20, 36]);
    expect([...r.ends]).toEqual([12, 24, 38]);
  });
});
