import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cloudsimShare, creditCapMips, creditShare, ROLE_IN, ROLE_NORMAL, ROLE_OUT } from "./share-policy.js";

function cloudsim(
  capacity: number,
  core: number,
  req: number[],
  roles: number[] = req.map(() => ROLE_NORMAL),
) {
  const alloc = new Float64Array(req.length);
  const left = cloudsimShare(
    capacity,
    core,
    req.length,
    Float64Array.from(req),
    Uint8Array.from(roles),
    alloc,
  );
  return { alloc: Array.from(alloc), left };
}

function credit(capacity: number, bound: number[], weight: number[]) {
  const alloc = new Float64Array(bound.length);
  const left = creditShare(
    capacity,
    bound.length,
    Float64Array.from(bound),
    Float64Array.from(weight),
    alloc,
    new Int32Array(bound.length),
  );
  return { alloc: Array.from(alloc), left };
}

describe("cloudsimShare (VmSchedulerTimeSharedOverSubscription)", () => {
  it("gives every VM its request when the requests fit, and reports the rest as available", () => {
    // G5: 2 x 2660 = 5320 MIPS; requests 1000 + 2000 = 3000 -> 2320 left.
    expect(cloudsim(5320, 2660, [1000, 2000])).toEqual({ alloc: [1000, 2000], left: 2320 });
  });

  it("caps a vCPU at one core even when the host has room (2500-MIPS request on a 1860-MIPS G4 core)", () => {
    expect(cloudsim(3720, 1860, [2500]).alloc).toEqual([1860]);
  });

  it("scales every capped request by capacity / total and floors it when oversubscribed", () => {
    // G4 3720 MIPS, requests 1860 (capped from 2500) + 1860 + 1000 = 4720: scale 3720/4720.
    const { alloc, left } = cloudsim(3720, 1860, [2500, 1860, 1000]);
    const s = 3720 / 4720;
    expect(alloc).toEqual([Math.floor(1860 * s), Math.floor(1860 * s), Math.floor(1000 * s)]);
    expect(left).toBe(0);
  });

  it("gives a migrating-out VM 90% and reserves 10% of the request for an incoming copy", () => {
    const { alloc, left } = cloudsim(5320, 2660, [1000, 2000], [ROLE_OUT, ROLE_IN]);
    expect(alloc[0]).toBeCloseTo(900, 12);
    expect(alloc[1]).toBeCloseTo(200, 12);
    // The source still books the full 1000; the target books 10% of 2000.
    expect(left).toBeCloseTo(5320 - 1000 - 200, 9);
  });
});

describe("creditShare (Credit as weighted max-min with bounds)", () => {
  it("splits one core 1:2 between two hogs of weight 256 and 512", () => {
    const { alloc } = credit(1, [1, 1], [256, 512]);
    expect(alloc[0]).toBeCloseTo(1 / 3, 12);
    expect(alloc[1]).toBeCloseTo(2 / 3, 12);
  });

  it("is work-conserving around a cap: a 25%-capped hog gets 0.25, the other hog 0.75", () => {
    const b0 = Math.min(1, creditCapMips(25, 1));
    expect(credit(1, [b0, 1], [256, 256]).alloc).toEqual([0.25, 0.75]);
  });

  it("gives three single-vCPU hogs 2/3 of a core each on two cores", () => {
    for (const x of credit(2, [1, 1, 1], [256, 256, 256]).alloc) expect(x).toBeCloseTo(2 / 3, 12);
  });

  it("gives a light VM its demand and the rest to the hog", () => {
    expect(credit(1, [0.2, 1], [256, 256]).alloc).toEqual([0.2, 0.8]);
  });

  it("leaves capacity idle only when every VM is bounded", () => {
    expect(credit(4, [1, 0.5], [256, 256])).toEqual({ alloc: [1, 0.5], left: 2.5 });
  });

  it("satisfies the max-min conditions for any bounds and weights (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ b: fc.double({ min: 0, max: 4, noNaN: true }), w: fc.integer({ min: 1, max: 1024 }) }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.double({ min: 0.1, max: 8, noNaN: true }),
        (vms, cap) => {
          const { alloc } = credit(
            cap,
            vms.map((v) => v.b),
            vms.map((v) => v.w),
          );
          const sumB = vms.reduce((a, v) => a + v.b, 0);
          const sum = alloc.reduce((a, x) => a + x, 0);
          expect(sum).toBeCloseTo(Math.min(cap, sumB), 9);
          let level = 0;
          vms.forEach((v, i) => {
            expect(alloc[i]).toBeLessThanOrEqual(v.b + 1e-9);
            level = Math.max(level, alloc[i] / v.w);
          });
          // A VM below its bound sits at the highest level (nobody gets more per weight).
          vms.forEach((v, i) => {
            if (alloc[i] < v.b - 1e-9) expect(alloc[i] / v.w).toBeCloseTo(level, 9);
          });
        },
      ),
    );
  });
});
