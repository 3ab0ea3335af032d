import { describe, expect, it } from "vitest";
import { mmck } from "./markov-queue.js";

describe("mmck", () => {
  it("M/M/1: W = 1/(mu - lambda), L = rho/(1 - rho)", () => {
    const r = mmck(0.8, 1, 1)!;
    expect(r.meanResponse).toBeCloseTo(5, 10);
    expect(r.meanInSystem).toBeCloseTo(4, 10);
    expect(r.utilisation).toBeCloseTo(0.8, 10);
    expect(r.lossProbability).toBe(0);
  });

  it("M/M/c/c is Erlang B: 10 Erlangs on 10 servers lose 21.46%", () => {
    // Erlang B table: B(10, 10) = 0.2146.
    expect(mmck(10, 1, 10, 10)!.lossProbability).toBeCloseTo(0.2146, 4);
  });

  it("M/M/1/K: loss = (1 - rho) rho^K / (1 - rho^(K+1))", () => {
    const rho = 0.9;
    const K = 5;
    expect(mmck(rho, 1, 1, K)!.lossProbability).toBeCloseTo(
      ((1 - rho) * rho ** K) / (1 - rho ** (K + 1)),
      12,
    );
  });

  it("M/M/c: Erlang C mean wait for 2 servers at a = 1.5", () => {
    // Erlang C: C(2, 1.5) = 0.6429; Wq = C / (c mu - lambda) = 1.2857; W = Wq + 1.
    expect(mmck(1.5, 1, 2)!.meanResponse).toBeCloseTo(2.2857, 4);
  });

  it("stays finite for thousands of servers", () => {
    const r = mmck(4900, 1, 5000, 5000)!;
    expect(Number.isFinite(r.lossProbability)).toBe(true);
    expect(r.lossProbability).toBeGreaterThan(0);
    expect(r.lossProbability).toBeLessThan(0.02);
  });

  it("has no steady state when overloaded without a limit", () => {
    expect(mmck(2, 1, 1)).toBeNull();
  });
});
