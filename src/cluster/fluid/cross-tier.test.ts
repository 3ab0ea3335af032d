import { describe, expect, it } from "vitest";
import { creditCpuReceived } from "./cross-tier.js";

describe("creditCpuReceived (the fluid side of the cross-tier check)", () => {
  const hog = (weight = 256, capPercent = 0, vcpus = 1) => ({ weight, capPercent, vcpus });

  it("two hogs of weight 256 and 512 on one core for 10 s: 10/3 and 20/3 core-seconds", () => {
    const got = creditCpuReceived(1, 1, [hog(256), hog(512)], [{ start: 0, demands: [1, 1] }], 10);
    expect(got[0]).toBeCloseTo(10 / 3, 12);
    expect(got[1]).toBeCloseTo(20 / 3, 12);
  });

  it("a 2-vCPU domain and a 1-vCPU domain of equal weight on 2 cores get one core each", () => {
    const got = creditCpuReceived(2, 1, [hog(256, 0, 2), hog(256, 0, 1)], [{ start: 0, demands: [2, 1] }], 5);
    expect(Array.from(got)).toEqual([5, 5]);
  });

  it("follows demand steps: a cap of 50% binds only while the other VM is busy", () => {
    // 0-4 s: A (cap 50) and B hog -> A 0.5, B 0.5. 4-10 s: B idle -> A 0.5 (cap), B 0.
    const got = creditCpuReceived(
      1,
      1,
      [hog(256, 50), hog(256)],
      [
        { start: 0, demands: [1, 1] },
        { start: 4, demands: [1, 0] },
      ],
      10,
    );
    expect(Array.from(got)).toEqual([5, 2]);
  });

  it("scales with core MIPS (MIPS-seconds)", () => {
    const got = creditCpuReceived(
      2,
      1000,
      [hog(), hog(), hog(), hog()],
      [{ start: 0, demands: [1, 1, 1, 1] }],
      1,
    );
    for (const x of got) expect(x).toBeCloseTo(500, 9);
  });
});
