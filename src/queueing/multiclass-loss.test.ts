import { describe, expect, it } from "vitest";
import { Exponential } from "../kernel/distributions.js";
import { Kernel } from "../kernel/kernel.js";
import { mmck } from "./markov-queue.js";
import { type LossClassConfig, MultiClassLossPool } from "./multiclass-loss.js";

const S = 1e9;

function poissonClass(
  k: Kernel,
  name: string,
  rate: number,
  meanService: number,
  units = 1,
  reserve = 0,
): LossClassConfig {
  return {
    name,
    interarrival: new Exponential(k.rng(`${name}/arrivals`), S / rate),
    service: new Exponential(k.rng(`${name}/service`), meanService * S),
    units,
    reserve,
  };
}

describe("multi-class loss pool", () => {
  it("one class of 1-unit requests is M/M/C/C: loses the Erlang B fraction", () => {
    // C = 10, a = 8 Erlangs: B(10, 8) = 0.1217 (exact birth-death).
    const k = new Kernel(3);
    const pool = new MultiClassLossPool(k, {
      name: "p",
      capacity: 10,
      classes: [poissonClass(k, "a", 80, 0.1)],
    });
    pool.start();
    k.run(20 * S);
    pool.resetStats(k.now);
    k.run(2000 * S);
    const loss = pool.lost[0] / pool.arrivals[0];
    const exact = mmck(8, 1, 10, 10)!.lossProbability;
    expect(exact).toBeCloseTo(0.1217, 4);
    expect(Math.abs(loss - exact)).toBeLessThan(0.006);
    // Mean busy units = carried load a (1 - B).
    expect(pool.busyUnits.mean(k.now)).toBeCloseTo(8 * (1 - exact), 1);
  });

  it("never lets occupancy pass capacity, nor a reserved class into the reserve", () => {
    const k = new Kernel(5);
    const pool = new MultiClassLossPool(k, {
      name: "p",
      capacity: 12,
      classes: [poissonClass(k, "wide", 30, 0.1, 3, 0), poissonClass(k, "narrow", 60, 0.1, 1, 2)],
    });
    pool.start();
    let maxSeen = 0;
    let consistent = true;
    const probe = k.timer(() => {
      maxSeen = Math.max(maxSeen, pool.occupancy);
      consistent &&= pool.inService[0] * 3 + pool.inService[1] === pool.occupancy;
      probe.set(5_000_000);
    });
    probe.set(5_000_000);
    k.run(200 * S);
    expect(consistent).toBe(true);
    expect(maxSeen).toBeLessThanOrEqual(12);
    expect(maxSeen).toBeGreaterThan(9);
    expect(pool.lost[0]).toBeGreaterThan(0);
    expect(pool.lost[1]).toBeGreaterThan(0);
  });

  it("is deterministic for a seed", () => {
    const run = (seed: number): number[] => {
      const k = new Kernel(seed);
      const pool = new MultiClassLossPool(k, {
        name: "p",
        capacity: 5,
        classes: [poissonClass(k, "a", 40, 0.1)],
      });
      pool.start();
      k.run(100 * S);
      return [pool.arrivals[0], pool.lost[0]];
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it("rejects malformed classes", () => {
    const k = new Kernel(1);
    expect(
      () => new MultiClassLossPool(k, { name: "p", capacity: 4, classes: [poissonClass(k, "a", 1, 1, 0)] }),
    ).toThrow(/units/);
    expect(() => new MultiClassLossPool(k, { name: "p", capacity: 2.5, classes: [] })).toThrow(/capacity/);
  });
});
