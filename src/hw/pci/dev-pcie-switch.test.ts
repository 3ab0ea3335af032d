import { describe, expect, it } from "vitest";
import { PCI_EXP_DEVCAP2, PCI_EXP_FLAGS, PCI_EXP_SLTCAP } from "./cap-pcie.js";
import { makeSwitchDownstream, makeSwitchUpstream } from "./dev-pcie-switch.js";
import { PCI_BRIDGE_CONTROL, PCI_COMMAND, PCI_EXT_CAP_ID_ACS, PCI_EXT_CAP_ID_ERR } from "./pci-regs.js";

describe("XIO3130 switch ports", () => {
  it("the upstream port resets to 104c:8232, a bridge, PCIe type 5 without a slot or ACS", () => {
    const up = makeSwitchUpstream();
    expect(up.configRead(0, 4)).toBe(0x8232104c);
    expect(up.configRead(up.pcieCap + PCI_EXP_FLAGS, 2)).toBe(0x0052);
    expect(up.cfg.findExtCap(PCI_EXT_CAP_ID_ACS)).toBe(0);
    expect(up.cfg.findExtCap(PCI_EXT_CAP_ID_ERR)).toBe(0x100);
  });

  it("a downstream port resets to 104c:8233, PCIe type 6 with its slot, ARI forwarding supported", () => {
    const dp = makeSwitchDownstream({ portNumber: 2, slot: 7, hotplug: true });
    expect(dp.configRead(0, 4)).toBe(0x8233104c);
    expect(dp.configRead(dp.pcieCap + PCI_EXP_FLAGS, 2)).toBe(0x0162);
    expect(dp.configRead(dp.pcieCap + PCI_EXP_SLTCAP, 4) >>> 19).toBe(7);
    expect(dp.configRead(dp.pcieCap + PCI_EXP_DEVCAP2, 4) & 0x20).toBe(0x20);
  });

  it("Command and Bridge Control take only their PCIe read-write bits", () => {
    const dp = makeSwitchDownstream({ portNumber: 0 });
    dp.configWrite(PCI_COMMAND, 2, 0xffff);
    dp.configWrite(PCI_BRIDGE_CONTROL, 2, 0xffff);
    expect(dp.configRead(PCI_COMMAND, 2)).toBe(0x0547);
    expect(dp.configRead(PCI_BRIDGE_CONTROL, 2)).toBe(0x004f);
  });
});
