import { describe, expect, it } from "vitest";
import { buildPowerModel, IdleScaledPower, LinearPower, TablePower } from "./power-model.js";
import { SPECPOWER_PRESETS } from "./specpower-presets.js";

describe("power models", () => {
  it("reproduces the talk's calibration arithmetic: 4 Linux servers at 30% vs 2 Xen hosts at 51% save 48%", () => {
    // seed-talks T16, mechanism 4: Pidle = 0.6 Pmax, Xen idle = 0.91 x Linux idle.
    // Dedicated 4 (0.6 + 0.4 x 0.30) = 2.88 Pmax; consolidated 2 (0.546 + 0.4 x 0.51) = 1.50 Pmax.
    const linux = new LinearPower(0.6, 1);
    const xen = new IdleScaledPower(linux, 0.91);
    const dedicated = 4 * linux.watts(0.3);
    const consolidated = 2 * xen.watts(0.51);
    expect(dedicated).toBeCloseTo(2.88, 12);
    expect(xen.watts(0)).toBeCloseTo(0.546, 12);
    expect(consolidated).toBeCloseTo(1.5, 12);
    expect(1 - consolidated / dedicated).toBeCloseTo(0.479, 3); // "the same order as up to 53%"
  });

  it("moves the whole curve down by the idle saving, keeping its dynamic range", () => {
    const xen = new IdleScaledPower(new LinearPower(100, 200), 0.9);
    expect(xen.watts(0)).toBeCloseTo(90, 12);
    expect(xen.watts(0.5)).toBeCloseTo(140, 12);
    expect(xen.watts(1)).toBeCloseTo(190, 12);
  });

  it("interpolates a SPECpower table exactly as CloudSim's PowerModelSpecPower.getPower", () => {
    const g4 = new TablePower(SPECPOWER_PRESETS["hp-ml110-g4"], "hp-ml110-g4");
    expect(g4.watts(0)).toBe(86);
    expect(g4.watts(0.5)).toBe(102);
    expect(g4.watts(1)).toBe(117);
    // 0.55: 102 + (106 - 102) x 0.5 = 104.
    expect(g4.watts(0.55)).toBeCloseTo(104, 12);
    // The spec's sanity anchor: 800 hosts, half G4 half G5, at full power for 24 h = 2419.2 kWh.
    const g5 = new TablePower(SPECPOWER_PRESETS["hp-ml110-g5"]);
    expect((400 * (g4.watts(1) + g5.watts(1)) * 24) / 1000).toBeCloseTo(2419.2, 9);
  });

  it("refuses utilisations outside [0, 1] and malformed tables", () => {
    expect(() => new LinearPower(1, 2).watts(1.2)).toThrow(/utilisation/);
    expect(() => new TablePower([1, 2, 3])).toThrow(/11 points/);
    expect(() => new LinearPower(3, 2)).toThrow(/idle <= peak/);
  });

  it("builds the model a plan describes", () => {
    const m = buildPowerModel({
      kind: "table",
      name: "hp-ml110-g5",
      watts: SPECPOWER_PRESETS["hp-ml110-g5"],
      idleScale: 0.91,
    });
    expect(m.watts(0)).toBeCloseTo(93.7 * 0.91, 9);
    expect(m.label).toContain("idle x0.91");
  });
});
