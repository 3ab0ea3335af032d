import { describe, expect, it } from "vitest";
import { GM45_REGS, makeHostBridge5520, makeHostBridgeGm45 } from "./dev-host-bridge.js";
import { makeLpcIch9m } from "./dev-lpc-ich9m.js";

describe("host bridges and the LPC bridge", () => {
  it("the 5520 IOH host bridge resets to 8086:3406, class 0600, 4 KiB config space", () => {
    const f = makeHostBridge5520();
    expect(f.configRead(0, 4)).toBe(0x34068086);
    expect(f.configRead(0x08, 4) >>> 8).toBe(0x060000);
    expect(f.cfg.size).toBe(4096);
  });

  it("the GM45 host bridge carries GGC, TOM, BSM and TOLUD read-only, PAVPC writable", () => {
    const f = makeHostBridgeGm45();
    expect(f.configRead(0, 4)).toBe(0x2a408086);
    const ggc = f.configRead(GM45_REGS.GGC, 2);
    f.configWrite(GM45_REGS.GGC, 2, 0);
    expect(f.configRead(GM45_REGS.GGC, 2)).toBe(ggc);
    expect(f.configRead(GM45_REGS.BSM, 4)).toBe(0xbe000000);
    f.configWrite(GM45_REGS.PAVPC, 4, 0x1234_5678);
    expect(f.configRead(GM45_REGS.PAVPC, 4)).toBe(0x1234_5678);
  });

  it("the ICH9M LPC bridge resets to 8086:2919, class 0601", () => {
    const f = makeLpcIch9m();
    expect(f.configRead(0, 4)).toBe(0x29198086);
    expect(f.configRead(0x08, 4) >>> 8).toBe(0x060100);
  });
});
