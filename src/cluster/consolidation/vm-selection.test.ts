import { describe, expect, it } from "vitest";
import { Rng } from "../../kernel/rng.js";
import { fixture, G5, vmType } from "../../test-support/fluid-fixtures.js";
import { rSquared } from "./multiple-correlation.js";
import { VmSelector } from "./vm-selection.js";

describe("VM selection", () => {
  const rng = () => Rng.stream(1, "test/selection");

  it("MMT takes the VM with the least memory, the first of equals", () => {
    const dc = fixture(
      [G5],
      [vmType(1000, 1740), vmType(1000, 613), vmType(1000, 870), vmType(1000, 613)],
      [[0.1], [0.1], [0.1], [0.1]],
      [0, 0, 0, 0],
      1,
    );
    expect(new VmSelector(dc, "mmt", rng()).select(dc.members[0])).toBe(1);
  });

  it("MU takes the VM with the lowest utilisation (fraction of its own MIPS)", () => {
    const dc = fixture([G5], [vmType(500), vmType(2500), vmType(1000)], [[0.4], [0.2], [0.3]], [0, 0, 0], 1);
    expect(new VmSelector(dc, "mu", rng()).select(dc.members[0])).toBe(1);
  });

  it("RS draws from the seeded stream: reproducible, and every VM can be picked", () => {
    const dc = fixture([G5], [vmType(500), vmType(500), vmType(500)], [[0.1], [0.1], [0.1]], [0, 0, 0], 1);
    const a = new VmSelector(dc, "rs", rng());
    const b = new VmSelector(dc, "rs", rng());
    const seen = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const v = a.select(dc.members[0]);
      expect(b.select(dc.members[0])).toBe(v);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it("skips VMs already migrating and returns -1 when none is left", () => {
    const dc = fixture([G5, G5], [vmType(500)], [[0.1]], [0], 1);
    dc.startMigration(0, 1);
    expect(new VmSelector(dc, "mmt", rng()).select(dc.members[0])).toBe(-1);
  });

  it("MC takes the VM whose history the others explain best (largest R^2)", () => {
    // Histories over 6 intervals; VM 2 is nearly VM 0 + VM 1.
    const h0 = [0, 0.1, 0.3, 0.2, 0.5, 0.4, 0.6];
    const h1 = [0, 0.3, 0.1, 0.4, 0.2, 0.3, 0.1];
    const h2 = h0.map((x, i) => Math.max(0, Math.min(1, x + h1[i] + (i % 2 ? 0.01 : -0.01))));
    const dc = fixture([G5], [vmType(500), vmType(500), vmType(500)], [h0, h1, h2], [0, 0, 0], 6);
    const hist = (v: number) => Array.from({ length: 6 }, (_, r) => dc.historyAt(v, r));
    const r2 = [0, 1, 2].map((i) => {
      const others = [0, 1, 2].filter((j) => j !== i);
      const x = Float64Array.from({ length: 12 }, (_, k) => hist(others[k % 2])[Math.floor(k / 2)]);
      return rSquared(x, Float64Array.from(hist(i)), 6, 2, new Float64Array(32));
    });
    const best = r2.indexOf(Math.max(...r2));
    expect(new VmSelector(dc, "mc", rng()).select(dc.members[0])).toBe(best);
  });

  it("MC falls back to MMT while the history is shorter than the number of VMs + 1", () => {
    const dc = fixture(
      [G5],
      [vmType(500, 870), vmType(500, 613), vmType(500, 870)],
      [[0.1], [0.2], [0.3]],
      [0, 0, 0],
      3,
    );
    expect(new VmSelector(dc, "mc", rng()).select(dc.members[0])).toBe(1);
  });
});
