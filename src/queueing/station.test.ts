import { describe, expect, it } from "vitest";
import { Exponential } from "../kernel/distributions.js";
import { Kernel } from "../kernel/kernel.js";
import { mmck } from "./markov-queue.js";
import { Station } from "./station.js";

function run(
  lambdaPerS: number,
  muPerS: number,
  servers: number,
  capacity: number,
  seconds: number,
  seed = 3,
) {
  const k = new Kernel(seed);
  const st = new Station(k, {
    name: "q",
    servers,
    capacity,
    interarrival: new Exponential(k.rng("q/arrivals"), 1e9 / lambdaPerS),
    service: new Exponential(k.rng("q/service"), 1e9 / muPerS),
  });
  st.start();
  k.run(1e9);
  st.resetStats(k.now);
  k.run(1e9 + seconds * 1e9);
  return { k, st };
}

describe("Station", () => {
  it("M/M/1 at rho = 0.5: mean response within 2% of 1/(mu - lambda)", () => {
    // lambda = 500/s, mu = 1000/s: W = 1/(1000 - 500) s = 2 ms, L = 1.
    const { k, st } = run(500, 1000, 1, Number.POSITIVE_INFINITY, 400);
    const expected = 2e6;
    expect(Math.abs(st.response.mean / expected - 1)).toBeLessThan(0.02);
    expect(st.busyServers.mean(k.now)).toBeCloseTo(0.5, 2);
    expect(st.inSystem.mean(k.now)).toBeCloseTo(1, 1);
    const ci = st.responseBatches.interval();
    expect(Math.abs(ci.mean - expected)).toBeLessThan(2 * ci.halfWidth + 0.01 * expected);
  });

  it("M/M/2/4 loses the fraction of arrivals the birth-death chain predicts", () => {
    const exact = mmck(1800, 1000, 2, 4)!;
    const { st } = run(1800, 1000, 2, 4, 200);
    const p = st.lost / st.arrivals;
    // Binomial standard error at n = 360k arrivals is under 0.001.
    expect(Math.abs(p - exact.lossProbability)).toBeLessThan(0.005);
    expect(st.customersInSystem).toBeLessThanOrEqual(4);
  });

  it("is deterministic for a seed and different across seeds", () => {
    const a = run(500, 1000, 1, Number.POSITIVE_INFINITY, 5, 1).st.response.mean;
    const b = run(500, 1000, 1, Number.POSITIVE_INFINITY, 5, 1).st.response.mean;
    const c = run(500, 1000, 1, Number.POSITIVE_INFINITY, 5, 2).st.response.mean;
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});
