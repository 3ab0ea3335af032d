import { describe, expect, it } from "vitest";
import { fixture, G5, vmType } from "../../test-support/fluid-fixtures.js";
import { type OverloadConfig, OverloadDetector } from "./overload-detection.js";

const config = (detector: OverloadConfig["detector"], parameter: number): OverloadConfig => ({
  detector,
  parameter,
  fallbackThreshold: 0.7,
  lrFit: "loess",
  intervalSeconds: 300,
});

describe("overload detection", () => {
  it("THR: demand / capacity above the threshold (a 2660-MIPS VM at 85% on a 5320-MIPS G5 is 42.5%)", () => {
    const dc = fixture([G5], [vmType(2660), vmType(2660)], [[0.85], [0.8]], [0, 0], 1);
    const d = new OverloadDetector(dc, config("thr", 0.8));
    // (0.85 + 0.8) * 2660 / 5320 = 0.825 > 0.8.
    expect(d.isOverloaded(0, dc.members[0])).toBe(true);
    expect(d.isOverloaded(0, [0])).toBe(false);
    // The "after allocation" check adds the candidate VM.
    expect(d.isOverloaded(0, [0], 1)).toBe(true);
  });

  it("IQR and MAD fall back to THR 0.7 with fewer than 12 history values", () => {
    const dc = fixture([G5], [vmType(5320)], [[0.75]], [0], 11);
    for (const det of ["iqr", "mad"] as const) {
      expect(new OverloadDetector(dc, config(det, 1.5)).isOverloaded(0, [0])).toBe(true);
    }
  });

  it("IQR and MAD: a steady history gives threshold 1 - s x 0 = 1", () => {
    const dc = fixture([G5], [vmType(5320)], [[0.75]], [0], 12);
    for (const det of ["iqr", "mad"] as const) {
      expect(new OverloadDetector(dc, config(det, 1.5)).isOverloaded(0, [0])).toBe(false);
    }
  });

  it("MAD: six 0.5s, six 0.7s and a latest 0.8 have median 0.7 and MAD 0.1: s = 2.5 flags 0.8 > 0.75", () => {
    const row: number[] = Array.from({ length: 14 }, (_, k) => (k % 2 === 0 ? 0.5 : 0.7));
    row[13] = 0.8; // the latest demand
    const dc = fixture([G5], [vmType(5320)], [row], [0], 13);
    expect(new OverloadDetector(dc, config("mad", 2.5)).isOverloaded(0, [0])).toBe(true);
    // s = 1.9: threshold 0.81.
    expect(new OverloadDetector(dc, config("mad", 1.9)).isOverloaded(0, [0])).toBe(false);
  });

  it("LR: extrapolates the trend one migration ahead: 0.05 x 11 = 0.55, x 1.2 < 1 but x 2 >= 1", () => {
    const row = Array.from({ length: 12 }, (_, k) => 0.05 * k);
    const dc = fixture([G5], [vmType(5320)], [row], [0], 10);
    expect(new OverloadDetector(dc, config("lr", 1.2)).isOverloaded(0, [0])).toBe(false);
    expect(new OverloadDetector(dc, config("lr", 2)).isOverloaded(0, [0])).toBe(true);
    expect(new OverloadDetector(dc, config("lrr", 2)).isOverloaded(0, [0])).toBe(true);
  });

  it("LR falls back to THR 0.7 with fewer than 10 history values", () => {
    const dc = fixture([G5], [vmType(5320)], [[0.72]], [0], 9);
    expect(new OverloadDetector(dc, config("lr", 0.1)).isOverloaded(0, [0])).toBe(true);
  });

  it("reuses sums for an unchanged list (same stamp) and recomputes for a new one", () => {
    const dc = fixture([G5], [vmType(2660), vmType(2660)], [[0.9], [0.9]], [0, 0], 1);
    const d = new OverloadDetector(dc, config("thr", 0.8));
    expect(d.isOverloaded(0, [0, 1], -1, 7)).toBe(true);
    expect(d.isOverloaded(0, [0], -1, 8)).toBe(false);
    expect(d.isOverloaded(0, [0, 1], -1, 9)).toBe(true);
  });
});
