import { describe, expect, it } from "vitest";
import { Rng } from "../../kernel/rng.js";
import { fixture, G5, vmType } from "../../test-support/fluid-fixtures.js";
import { ConsolidationRound } from "./consolidation-round.js";
import { OverloadDetector } from "./overload-detection.js";
import { VmSelector } from "./vm-selection.js";

function round(dc: ReturnType<typeof fixture>, threshold = 0.8) {
  const detector = new OverloadDetector(dc, {
    detector: "thr",
    parameter: threshold,
    fallbackThreshold: 0.7,
    lrFit: "loess",
    intervalSeconds: 300,
  });
  return new ConsolidationRound(dc, detector, new VmSelector(dc, "mmt", Rng.stream(1, "t")));
}

describe("a consolidation round (THR-MMT-0.8)", () => {
  // Host 0 (G5): A 2660 MIPS at 100% + B 2660 MIPS/613 MB at 70% = 4522 / 5320 = 85% > 80%.
  // Host 1: C at 1330 MIPS (25%). Host 2: D at 266 MIPS (5%). Host 3: empty.
  const vms = [vmType(2660, 870), vmType(2660, 613), vmType(2660, 870), vmType(532, 870)];
  const rows = [[1], [0.7], [0.5], [0.5]];

  it("offloads the overloaded host's smallest VM where power grows least, then drains the least used host", () => {
    const dc = fixture([G5, G5, G5, G5], vms, rows, [0, 0, 1, 2], 1);
    const r = round(dc);
    // Step 3: B (1862 MIPS) costs host 1 P(0.6) - P(0.25) = 18 W, host 2 P(0.4) - P(0.05) =
    // 14.65 W, the empty host 3 P(0.35) - P(0) = 13.8 W: host 3 (PABFD ignores idle power).
    // Step 4: host 3 was off at the last update, so host 2 (5%) is the least used active host;
    // D goes to host 1, the only active host left.
    expect(r.run()).toEqual([
      { vm: 1, target: 3 },
      { vm: 3, target: 1 },
    ]);
    expect(r.stats.overloaded).toBe(1);
    expect(r.stats.underloadedDrained).toBe(1);
  });

  it("moves a VM twice when its new host is then drained (CloudSim's exclusion set is built empty)", () => {
    // Without the empty host, B goes to host 2 (14.65 W < 18 W); host 2 is then the least used
    // and its tentative members B and D both leave for host 1.
    const dc = fixture([G5, G5, G5], vms, rows, [0, 0, 1, 2], 1);
    expect(round(dc).run()).toEqual([
      { vm: 1, target: 2 },
      { vm: 1, target: 1 },
      { vm: 3, target: 1 },
    ]);
  });

  it("cancels draining a host when one of its VMs fits nowhere", () => {
    // Host 0 at 75% (not overloaded), host 1 at 40%: moving host 1's VM to host 0 would make it
    // 115% > 80%, and host 0's VM cannot go to host 1 either (75 + 40 > 80).
    const dc = fixture([G5, G5], [vmType(5320), vmType(5320)], [[0.75], [0.4]], [0, 1], 1);
    expect(round(dc).run()).toEqual([]);
  });

  it("leaves the real allocation untouched (the plan is a copy)", () => {
    const dc = fixture([G5, G5, G5, G5], vms, rows, [0, 0, 1, 2], 1);
    const before = dc.members.map((l) => [...l]);
    round(dc).run();
    expect(dc.members).toEqual(before);
  });
});
