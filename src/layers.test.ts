/**
 * Enforces the layer order of DESIGN.md: a module may import from its own layer and the
 * layers below, never above. Tests may import upward to build fixtures, so *.test.ts
 * files are exempt. A new top-level folder under src/ must be placed in LAYERS.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** Lowest first. */
const LAYERS = [
  "kernel",
  "queueing",
  "hw",
  "xen",
  "io",
  "guest",
  "cluster",
  "plan",
  "images",
  "scenario",
  "run",
  "report",
  "oracle",
  "cli",
  "server",
  "bench",
] as const;

const SRC = resolve(import.meta.dirname);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

function layerOf(file: string): string {
  return relative(SRC, file).split("/")[0];
}

describe("layering", () => {
  const sources = files(SRC).filter((f) => relative(SRC, f).includes("/") && layerOf(f) !== "test-support");

  it("every source folder is a known layer", () => {
    const unknown = [...new Set(sources.map(layerOf))].filter(
      (l) => !(LAYERS as readonly string[]).includes(l),
    );
    expect(unknown).toEqual([]);
  });

  it("no module imports from a layer above its own", () => {
    const violations: string[] = [];
    for (const f of sources) {
      const mine = LAYERS.indexOf(layerOf(f) as (typeof LAYERS)[number]);
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/(?:import|export)[^"']*from\s+["'](\.[^"']+)["']/g)) {
        const target = resolve(join(f, ".."), m[1]);
        const theirs = LAYERS.indexOf(layerOf(target) as (typeof LAYERS)[number]);
        if (theirs > mine) violations.push(`${relative(SRC, f)} imports ${relative(SRC, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
