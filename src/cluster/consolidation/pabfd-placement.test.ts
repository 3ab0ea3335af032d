import { describe, expect, it } from "vitest";
import { fixture, G4, G5, vmType } from "../../test-support/fluid-fixtures.js";
import { OverloadDetector } from "./overload-detection.js";
import { Placer, PlanState, placeInitially } from "./pabfd-placement.js";

describe("PABFD", () => {
  function setup() {
    // Host 0: G5 at 50% (a 2660-MIPS VM fully busy); host 1: G5 at 10%; host 2: a G4 running
    // VM 2 (300 MIPS) and VM 3 (a 2660-MIPS VM wanting all of it).
    const dc = fixture(
      [G5, G5, G4],
      [vmType(2660), vmType(532), vmType(1000), vmType(2660)],
      [[1], [1], [0.3], [1]],
      [0, 1, 2, 2],
      1,
    );
    const plan = new PlanState(dc);
    plan.reset();
    const detector = new OverloadDetector(dc, {
      detector: "thr",
      parameter: 0.8,
      fallbackThreshold: 0.7,
      lrFit: "loess",
      intervalSeconds: 300,
    });
    const placer = new Placer(dc, plan, detector);
    placer.beginRound();
    return { dc, plan, placer, now: (v: number) => dc.demand[v] };
  }

  it("puts a VM where the power grows least", () => {
    const { placer, now } = setup();
    // VM 2 wants 300 MIPS: host 0 grows by P(3260/5320) - P(0.5), host 1 by P(832/5320) - P(0.1).
    const inc = [
      G5.power.power(3260 / 5320) - G5.power.power(0.5),
      G5.power.power(832 / 5320) - G5.power.power(0.1),
    ];
    expect(placer.findHost(2, Uint8Array.from([0, 0, 1]), now)).toBe(inc[0] < inc[1] ? 0 : 1);
  });

  it("never uses an excluded host and returns -1 when nothing is left", () => {
    const { placer, now } = setup();
    expect(placer.findHost(2, Uint8Array.from([1, 1, 1]), now)).toBe(-1);
    expect(placer.findHost(2, Uint8Array.from([0, 1, 1]), now)).toBe(0);
  });

  it("refuses a host that would be overloaded after the move", () => {
    const { placer, now } = setup();
    // VM 3 wants 2660 MIPS: host 0 would reach 100% (> 0.8), host 1 60%.
    expect(placer.findHost(3, Uint8Array.from([0, 1, 1]), now)).toBe(-1);
    expect(placer.findHost(3, Uint8Array.from([0, 0, 1]), now)).toBe(1);
  });

  it("skips the overload check for a host that was empty at the last update", () => {
    const dc = fixture([G5, G5], [vmType(2660), vmType(5320)], [[1], [0.95]], [0, -1], 1);
    const plan = new PlanState(dc);
    plan.reset();
    const detector = new OverloadDetector(dc, {
      detector: "thr",
      parameter: 0.1,
      fallbackThreshold: 0.7,
      lrFit: "loess",
      intervalSeconds: 300,
    });
    const placer = new Placer(dc, plan, detector);
    placer.beginRound();
    // Host 1 is empty: it takes VM 0 although 2660 / 5320 > 0.1; host 0 (not empty) would be refused.
    expect(placer.findHost(0, Uint8Array.from([1, 0]), (v) => dc.demand[v])).toBe(1);
  });
});

describe("initial placement", () => {
  it("PABFD with full MIPS requests fills the cheapest hosts by capacity, in order", () => {
    // Five 2500-MIPS VMs on G4, G5, G4, G5: G4 cores are too small; a G5 holds two (5000 <= 5320),
    // so the fifth finds no host.
    const five = Array.from({ length: 5 }, () => vmType(2500));
    const dc = fixture(
      [G4, G5, G4, G5],
      five,
      five.map(() => [0.1]),
      [-1, -1, -1, -1, -1],
      0,
    );
    expect(placeInitially(dc, "pabfd")).toEqual([4]);
    expect(Array.from(dc.vmHost)).toEqual([1, 1, 3, 3, -1]);
  });

  it("reports VMs no host can take", () => {
    const dc = fixture([G4], [vmType(2500)], [[0.1]], [-1], 0);
    expect(placeInitially(dc, "first-fit")).toEqual([0]);
  });

  it("first fit takes the first host with room (memory counts at creation)", () => {
    // 1740-MB VMs: two fit in 4096 MB.
    const three = Array.from({ length: 3 }, () => vmType(500, 1740));
    const dc = fixture(
      [G5, G5],
      three,
      three.map(() => [0.1]),
      [-1, -1, -1],
      0,
    );
    placeInitially(dc, "first-fit");
    expect(Array.from(dc.vmHost)).toEqual([0, 0, 1]);
  });
});
