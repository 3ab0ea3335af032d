import { describe, expect, it } from "vitest";
import { PCI_MSIX_FLAGS, PCI_MSIX_PBA, PCI_MSIX_TABLE } from "./cap-msix.js";
import { PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_BCR_FLR } from "./cap-pcie.js";
import { makeNvme } from "./dev-nvme.js";
import { sizeBar } from "./pci-bar.js";
import { PCI_COMMAND } from "./pci-regs.js";

describe("NVMe endpoint (DC P3700-like)", () => {
  it("resets to 8086:0953, class 010802, a 16 KiB 64-bit BAR0", () => {
    const f = makeNvme();
    expect(f.configRead(0, 4)).toBe(0x09538086);
    expect(f.configRead(0x08, 4) >>> 8).toBe(0x010802);
    expect(f.configRead(0x10, 4)).toBe(0x4);
    expect(sizeBar(f.cfg, 0)).toBe(16384);
  });

  it("MSI-X: 32 vectors, table at BAR0+0x2000, PBA at BAR0+0x3000", () => {
    const f = makeNvme();
    const at = f.msix!.capAt;
    expect(f.configRead(at + PCI_MSIX_FLAGS, 2)).toBe(31);
    expect(f.configRead(at + PCI_MSIX_TABLE, 4)).toBe(0x2000);
    expect(f.configRead(at + PCI_MSIX_PBA, 4)).toBe(0x3000);
  });

  it("FLR restores the reset values of Command", () => {
    const f = makeNvme();
    f.configWrite(PCI_COMMAND, 2, 0x6);
    f.configWrite(f.pcieCap + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
    expect(f.configRead(PCI_COMMAND, 2)).toBe(0);
  });
});
