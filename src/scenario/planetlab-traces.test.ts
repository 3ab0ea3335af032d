import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "./input-issues.js";
import {
  bundledPlanetLabDir,
  fetchPlanetLabDays,
  findPlanetLabDay,
  parseTraceFile,
  planetLabCacheDir,
  readPlanetLabDay,
} from "./planetlab-traces.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("PlanetLab trace files", () => {
  it("parses 288 percentages (LF or CRLF, final newline optional)", () => {
    const out = new Float64Array(288);
    expect(parseTraceFile("f", enc(`${"7\n".repeat(287)}99`), out)).toBeNull();
    expect(out[0]).toBe(7);
    expect(out[287]).toBe(99);
    expect(parseTraceFile("f", enc("1\r\n".repeat(288)), out)).toBeNull();
  });

  it("names the file and line of a bad sample", () => {
    const out = new Float64Array(288);
    const text = `${"5\n".repeat(10)}five\n${"5\n".repeat(277)}`;
    expect(parseTraceFile("vm7", enc(text), out)).toMatchObject({
      file: "vm7",
      line: 11,
      message: 'expected an integer percentage 0..100, got "five"',
    });
    expect(parseTraceFile("vm7", enc("101\n"), out)?.message).toMatch(/got "101"/);
  });

  it("names a file with the wrong number of samples", () => {
    expect(parseTraceFile("vm8", enc("5\n".repeat(287)), new Float64Array(288))).toMatchObject({
      line: 288,
      message: "expected 288 samples (one per 300 s), found 287",
    });
  });

  it("reads the bundled day 20110303: 1052 traces in sorted order, /100, last sample repeated", () => {
    const day = readPlanetLabDay(join(bundledPlanetLabDir(), "20110303"));
    expect(day.names).toHaveLength(1052);
    expect([...day.names].sort()).toEqual(day.names);
    expect(day.traces.points).toBe(289);
    // The data set's mean utilisation for this day is 12.31%.
    let sum = 0;
    for (let v = 0; v < 1052; v++) for (let i = 0; i < 288; i++) sum += day.traces.sample(v, i);
    expect((sum / (1052 * 288)) * 100).toBeCloseTo(12.31, 2);
    expect(day.traces.sample(5, 288)).toBe(day.traces.sample(5, 287));
  });

  it("reads a subset with maxVms", () => {
    expect(readPlanetLabDay(join(bundledPlanetLabDir(), "20110303"), 10).traces.vms).toBe(10);
  });

  it("throws an InputError listing bad files", () => {
    const dir = mkdtempSync(join(tmpdir(), "pl-"));
    writeFileSync(join(dir, "a"), "1\n".repeat(288));
    writeFileSync(join(dir, "b"), "x\n");
    expect(() => readPlanetLabDay(dir)).toThrow(InputError);
    expect(() => readPlanetLabDay(dir)).toThrow(/b:1:1 expected an integer percentage/);
  });
});

describe("finding and fetching days", () => {
  it("looks in the repository first, then the cache", () => {
    const env = { XENLAB_PLANETLAB_CACHE: "/nonexistent/cache" };
    expect(planetLabCacheDir(env)).toBe("/nonexistent/cache");
    expect(planetLabCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/xenlab/planetlab");
    expect(findPlanetLabDay("20110303", undefined, env)).toBe(join(bundledPlanetLabDir(), "20110303"));
    expect(findPlanetLabDay("20110306", undefined, env)).toBeNull();
  });

  it("copies days into the cache, renaming spaces, and skips days already there", () => {
    const from = mkdtempSync(join(tmpdir(), "pl-from-"));
    const to = mkdtempSync(join(tmpdir(), "pl-to-"));
    mkdirSync(join(from, "20110306"));
    writeFileSync(join(from, "20110306", "host a_vm"), "3\n".repeat(288));
    writeFileSync(join(from, "20110306", "hostb"), "4\n".repeat(288));
    const [r] = fetchPlanetLabDays(from, to, ["20110306"]);
    expect(r).toMatchObject({ day: "20110306", files: 2, renamed: 1 });
    expect(readdirSync(join(to, "20110306")).sort()).toEqual(["host_a_vm", "hostb"]);
    expect(fetchPlanetLabDays(from, to, ["20110306"])[0].renamed).toBe(0);
  });

  it("refuses a day with a bad file and leaves nothing half-written", () => {
    const from = mkdtempSync(join(tmpdir(), "pl-from-"));
    const to = mkdtempSync(join(tmpdir(), "pl-to-"));
    mkdirSync(join(from, "20110309"));
    writeFileSync(join(from, "20110309", "bad"), "1\n2\n");
    expect(() => fetchPlanetLabDays(from, to, ["20110309"])).toThrow(/bad:3:1 expected 288 samples/);
    expect(existsSync(join(to, "20110309"))).toBe(false);
    expect(() => fetchPlanetLabDays(from, to, ["20110412"])).toThrow(/day 20110412 is not in/);
  });
});
