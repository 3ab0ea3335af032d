import { describe, expect, it } from "vitest";
import { bdf, formatBdf } from "./bdf.js";
import { PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, PCI_MSIX_FLAGS_MASKALL } from "./cap-msix.js";
import { PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_BCR_FLR, PCI_EXP_DEVCTL2, PCI_EXP_DEVCTL2_ARI } from "./cap-pcie.js";
import { makeIgb82576Pf, makeIgb82576Vf } from "./dev-igb-82576.js";
import { PCI_ARI_CAP } from "./ext-cap-ari.js";
import {
  PCI_SRIOV_BAR,
  PCI_SRIOV_CTRL,
  PCI_SRIOV_CTRL_VFE,
  PCI_SRIOV_NUM_VF,
  PCI_SRIOV_TOTAL_VF,
  PCI_SRIOV_VF_DID,
  PCI_SRIOV_VF_OFFSET,
  PCI_SRIOV_VF_STRIDE,
} from "./ext-cap-sriov.js";
import { sizeBar } from "./pci-bar.js";
import { PciMachine } from "./pci-machine.js";
import { PCI_COMMAND, PCI_EXT_CAP_ID_ARI } from "./pci-regs.js";

const SPEC = {
  host: "ioh5520" as const,
  ecamBase: 0xe0000000,
  devices: [
    {
      model: "root-port" as const,
      device: 1,
      name: "rp1",
      child: { model: "igb-82576" as const, name: "nic0" },
    },
  ],
};

describe("82576 PF registers", () => {
  it("resets to 8086:10c9 with the SR-IOV values of the real part", () => {
    const pf = makeIgb82576Pf(0);
    const s = pf.ext.sriovCap!;
    expect(pf.configRead(0, 4)).toBe(0x10c98086);
    expect(s).toBe(0x160);
    expect(pf.configRead(s + PCI_SRIOV_TOTAL_VF, 2)).toBe(8);
    expect(pf.configRead(s + PCI_SRIOV_VF_OFFSET, 2)).toBe(128);
    expect(pf.configRead(s + PCI_SRIOV_VF_STRIDE, 2)).toBe(2);
    expect(pf.configRead(s + PCI_SRIOV_VF_DID, 2)).toBe(0x10ca);
    expect(pf.configRead(pf.cfg.findExtCap(PCI_EXT_CAP_ID_ARI) + PCI_ARI_CAP, 2) >> 8).toBe(1); // next function: 1
  });

  it("offset, stride and VF device id are read-only; NumVFs is writable", () => {
    const pf = makeIgb82576Pf(0);
    const s = pf.ext.sriovCap!;
    pf.configWrite(s + PCI_SRIOV_VF_OFFSET, 4, 0);
    expect(pf.configRead(s + PCI_SRIOV_VF_OFFSET, 2)).toBe(128);
    pf.configWrite(s + PCI_SRIOV_NUM_VF, 2, 5);
    expect(pf.configRead(s + PCI_SRIOV_NUM_VF, 2)).toBe(5);
  });

  it("VF BARs size like BARs: 16 KiB per VF, 64-bit", () => {
    const pf = makeIgb82576Pf(0);
    const base = pf.ext.sriovCap! + PCI_SRIOV_BAR;
    expect(sizeBar(pf.cfg, 0, base)).toBe(16384);
    expect(sizeBar(pf.cfg, 3, base)).toBe(16384);
    expect(sizeBar(pf.cfg, 2, base)).toBe(0);
  });

  it("MSI-X Enable and Function Mask are the only writable control bits; a masked vector is pending until unmasked", () => {
    const pf = makeIgb82576Pf(0);
    const t = pf.msix!;
    const sent: number[] = [];
    t.deliver = (_f, addr, data) => sent.push(addr, data);
    pf.configWrite(t.capAt + PCI_MSIX_FLAGS, 2, 0xffff);
    expect(pf.configRead(t.capAt + PCI_MSIX_FLAGS, 2)).toBe(
      PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 9,
    );
    t.mmioWrite(3, 0, 0xfee00000);
    t.mmioWrite(3, 8, 0x41);
    t.mmioWrite(3, 12, 0); // unmask vector 0 (function still masked)
    expect(t.notify(0)).toBe(false);
    expect(t.mmioRead(3, 0x2000)).toBe(1); // pending bit
    pf.configWrite(t.capAt + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE); // clear function mask
    expect(sent).toEqual([0xfee00000, 0x41]);
    expect(t.mmioRead(3, 0x2000)).toBe(0);
  });

  it("a VF reads vendor and device 0xffff and only Bus Master is writable in Command", () => {
    const vf = makeIgb82576Vf(makeIgb82576Pf(0), 1);
    expect(vf.configRead(0, 4)).toBe(0xffffffff);
    vf.configWrite(PCI_COMMAND, 2, 0xffff);
    expect(vf.configRead(PCI_COMMAND, 2)).toBe(0x0004);
  });
});

describe("SR-IOV on a booted machine", () => {
  it("VF Enable with NumVFs creates VFs at PF + offset + (n-1) * stride; clearing removes them", () => {
    const m = PciMachine.build(SPEC);
    const vfs = m.enableVfs("nic0", 3);
    expect(vfs.map((v) => formatBdf(v.bdf))).toEqual(["01:10.0", "01:10.2", "01:10.4"]);
    expect(m.enableVfs("nic0.1", 2).map((v) => formatBdf(v.bdf))).toEqual(["01:10.1", "01:10.3"]);
    expect(m.topo.route(bdf(1, 0x10, 2))).toBe(vfs[1]);
    m.disableVfs("nic0");
    expect(m.topo.route(bdf(1, 0x10, 2))).toBeNull();
    expect(m.topo.route(bdf(1, 0x10, 1))).not.toBeNull();
  });

  it("NumVFs written while VF Enable is set is ignored and counted as misuse", () => {
    const m = PciMachine.build(SPEC);
    const pf = m.find("nic0")!;
    m.enableVfs("nic0", 2);
    pf.configWrite(pf.ext.sriovCap! + PCI_SRIOV_NUM_VF, 2, 6);
    expect(pf.configRead(pf.ext.sriovCap! + PCI_SRIOV_NUM_VF, 2)).toBe(2);
    expect(pf.ext.sriov!.misuse).toBe(1);
  });

  it("VFs at device 16 are reachable only once the port forwards ARI function numbers", () => {
    const m = PciMachine.build(SPEC, { os: false });
    const rp = m.find("rp1")!;
    expect(rp.configRead(rp.pcieCap + PCI_EXP_DEVCTL2, 2) & PCI_EXP_DEVCTL2_ARI).toBe(0);
    const pf = m.find("nic0")!;
    pf.configWrite(pf.ext.sriovCap! + PCI_SRIOV_NUM_VF, 2, 1);
    pf.configWrite(pf.ext.sriovCap! + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
    expect(pf.ext.sriov!.vfs).toHaveLength(1);
    expect(m.topo.route(bdf(1, 0x10, 0))).toBeNull();
    expect(m.configureAri(m.find("nic0")!)).toBe(true);
    expect(m.topo.route(bdf(1, 0x10, 0))).not.toBeNull();
  });

  it("the VFs' BAR apertures follow the PF's VF BARs", () => {
    const m = PciMachine.build(SPEC);
    const pf = m.find("nic0")!;
    m.enableVfs("nic0", 2);
    const s = pf.ext.sriov!;
    expect(s.vfBarAddress(2, 0) - s.vfBarAddress(1, 0)).toBe(16384);
    expect(s.vfBarAddress(1, 0)).toBeGreaterThanOrEqual(0xc0000000);
  });

  it("FLR of the PF resets its config space and drops its VFs", () => {
    const m = PciMachine.build(SPEC);
    const pf = m.find("nic0")!;
    m.enableVfs("nic0", 2);
    pf.configWrite(pf.pcieCap + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
    expect(pf.ext.sriov!.vfs).toHaveLength(0);
    expect(pf.configRead(pf.ext.sriovCap! + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_VFE).toBe(0);
    expect(pf.configRead(PCI_COMMAND, 2)).toBe(0);
    expect(pf.configRead(pf.pcieCap + PCI_EXP_DEVCTL, 2) & PCI_EXP_DEVCTL_BCR_FLR).toBe(0);
  });
});
