import { describe, expect, it } from "vitest";
import { interquartileRange, median, medianAbsoluteDeviation } from "./robust-stats.js";

const a = (xs: number[]) => Float64Array.from(xs);
const scratch = () => new Float64Array(32);

describe("robust statistics with CloudSim's conventions", () => {
  it("median: middle value, or the mean of the two middle values", () => {
    expect(median(a([3, 1, 2]), 3, scratch())).toBe(2);
    expect(median(a([4, 1, 3, 2]), 4, scratch())).toBe(2.5);
  });

  it("IQR: sorted x[round(0.25 (n+1)) - 1] to x[round(0.75 (n+1)) - 1]", () => {
    // n = 12: Q1 index round(3.25) - 1 = 2, Q3 index round(9.75) - 1 = 9.
    const xs = [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(interquartileRange(a(xs), 12, scratch())).toBe(10 - 3);
    // n = 13: round(3.5) - 1 = 3 (half up), round(10.5) - 1 = 10.
    expect(interquartileRange(a([...xs, 13]), 13, scratch())).toBe(11 - 4);
  });

  it("MAD: median of the absolute deviations from the median", () => {
    // median 3; deviations 2 1 0 1 6 -> median 1.
    expect(medianAbsoluteDeviation(a([1, 2, 3, 4, 9]), 5, scratch(), scratch())).toBe(1);
  });

  it("work on the first n values only", () => {
    expect(median(a([5, 1, 100, 100]), 2, scratch())).toBe(3);
  });
});
