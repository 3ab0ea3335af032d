import { describe, expect, it } from "vitest";
import { BITRATE, DURATION, FREQUENCY, RATE, SIZE } from "./units.js";

describe("units", () => {
  it("parses durations to integer nanoseconds", () => {
    expect(DURATION.parse("10ms")).toBe(10_000_000);
    expect(DURATION.parse("1.5s")).toBe(1_500_000_000);
    expect(DURATION.parse("250us")).toBe(250_000);
    expect(DURATION.parse("2 min")).toBe(120e9);
    expect(DURATION.parse("1e3ns")).toBe(1000);
    expect(DURATION.parse(".5ms")).toBe(500_000);
    expect(DURATION.parse("ten")).toBeNull();
    expect(DURATION.parse("10")).toBeNull();
    expect(DURATION.parse("10 parsecs")).toBeNull();
  });

  it("parses sizes with binary and decimal prefixes", () => {
    expect(SIZE.parse("512MiB")).toBe(512 * 2 ** 20);
    expect(SIZE.parse("4KiB")).toBe(4096);
    expect(SIZE.parse("1GB")).toBe(1e9);
    expect(SIZE.parse("12 bananas")).toBeNull();
  });

  it("parses bit rates, event rates and frequencies", () => {
    expect(BITRATE.parse("10Gbit/s")).toBe(1e10);
    expect(BITRATE.parse("100MB/s")).toBe(8e8);
    expect(RATE.parse("900/s")).toBe(900);
    expect(RATE.parse("2/ms")).toBe(2000);
    expect(FREQUENCY.parse("2.4GHz")).toBeCloseTo(2.4e9);
  });
});
