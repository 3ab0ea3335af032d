import { describe, expect, it } from "vitest";
import { HOST_MODELS, hostModelByName, PAPER_VM_TYPES, paperVmTypeIndex } from "./datacenter-catalog.js";
import { energyLinearInterpolation, SpecPowerModel } from "./spec-power.js";

const G4 = hostModelByName("hp-proliant-ml110-g4")!;
const G5 = hostModelByName("hp-proliant-ml110-g5")!;

describe("SPECpower models", () => {
  it("return the table values exactly at 0%, 10%, ..., 100%", () => {
    const g4 = [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117];
    const g5 = [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135];
    for (let k = 0; k <= 10; k++) {
      expect(G4.power.power(k / 10)).toBe(g4[k]);
      expect(G5.power.power(k / 10)).toBe(g5[k]);
    }
  });

  it("interpolate linearly between points: G4 at 25% is halfway between 92.6 and 96 W", () => {
    expect(G4.power.power(0.25)).toBeCloseTo(94.3, 12);
    expect(G5.power.power(0.47)).toBeCloseTo(110 + 0.7 * 6, 12);
  });

  it("clamp utilisation to [0, 1]", () => {
    expect(G5.power.power(-0.1)).toBe(93.7);
    expect(G5.power.power(1.2)).toBe(135);
  });

  it("reject a table without 11 points", () => {
    expect(() => new SpecPowerModel("bad", [1, 2, 3])).toThrow(/11 points/);
  });

  it("NPA sanity: 400 G4 + 400 G5 at full power for 24 h is 2419.2 kWh", () => {
    const kwh = (400 * (G4.power.maxPower + G5.power.maxPower) * 24) / 1000;
    expect(kwh).toBeCloseTo(2419.2, 9);
  });
});

describe("energyLinearInterpolation (CloudSim PowerHost)", () => {
  it("integrates power linearly between the end utilisations (trapezoid rule)", () => {
    // G4 from 50% (102 W) to 100% (117 W) over 300 s: (102 + 117) / 2 * 300 = 32850 J.
    expect(energyLinearInterpolation(G4.power, 0.5, 1, 300)).toBeCloseTo(32850, 9);
  });

  it("counts a host that starts the period at exactly 0 as switched off (0 J)", () => {
    expect(energyLinearInterpolation(G4.power, 0, 0.9, 300)).toBe(0);
  });
});

describe("the paper's catalogue", () => {
  it("has G4 = 2 x 1860 MIPS and G5 = 2 x 2660 MIPS with 4096 MB and 1 Gbit/s", () => {
    expect(HOST_MODELS.map((m) => [m.cores * m.mipsPerCore, m.memory, m.bandwidth])).toEqual([
      [3720, 4096e6, 1e9],
      [5320, 4096e6, 1e9],
    ]);
  });

  it("has the four VM types in CloudSim's order", () => {
    expect(PAPER_VM_TYPES.map((t) => [t.mips, t.memory / 1e6])).toEqual([
      [2500, 870],
      [2000, 1740],
      [1000, 1740],
      [500, 613],
    ]);
  });

  it("assigns VM types in contiguous blocks: 1052 VMs give 263 of each", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 1052; i++) counts[paperVmTypeIndex(i, 1052, 4)]++;
    expect(counts).toEqual([263, 263, 263, 263]);
    expect(paperVmTypeIndex(262, 1052, 4)).toBe(0);
    expect(paperVmTypeIndex(263, 1052, 4)).toBe(1);
  });
});
