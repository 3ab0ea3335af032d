import { describe, expect, it } from "vitest";
import { TraceSet } from "./utilisation-trace.js";

const P = 300e9;

describe("TraceSet", () => {
  const t = TraceSet.fromRows(
    [
      [0.1, 0.5, 0.2],
      [0, 1],
    ],
    P,
  );

  it("returns samples exactly at sample times", () => {
    expect(t.at(0, 0)).toBe(0.1);
    expect(t.at(0, P)).toBe(0.5);
    expect(t.at(0, 2 * P)).toBe(0.2);
  });

  it("interpolates linearly between samples (CloudSim UtilizationModelPlanetLabInMemory)", () => {
    // 13.92 s after the 300 s sample: 0.5 + (0.2 - 0.5) * 13.92 / 300.
    expect(t.at(0, P + 13.92e9)).toBeCloseTo(0.5 - 0.3 * (13.92 / 300), 14);
    expect(t.at(1, P / 4)).toBeCloseTo(0.25, 14);
  });

  it("holds the last value past the end; short rows repeat their last sample", () => {
    expect(t.at(0, 100 * P)).toBe(0.2);
    expect(t.at(1, 2 * P)).toBe(1);
    expect(t.points).toBe(3);
  });

  it("rejects utilisation outside [0, 1]", () => {
    expect(() => TraceSet.fromRows([[1.5]], P)).toThrow(/outside \[0, 1\]/);
  });
});
