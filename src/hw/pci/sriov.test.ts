import { describe, expect, it } from "vitest";
import { bdf, busOf, formatBdf } from "./bdf.js";
import { addPcieCap } from "./cap-pcie.js";
import { endpointHeader } from "./dev-common.js";
import { makeIgb82576Vf } from "./dev-igb-82576.js";
import { makeRootPort } from "./dev-root-port.js";
import { addAriCap } from "./ext-cap-ari.js";
import { addSriovCap, PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE, PCI_SRIOV_NUM_VF } from "./ext-cap-sriov.js";
import { assignBusNumbers } from "./pci-firmware.js";
import { PciFunction } from "./pci-function.js";
import { PciTopology } from "./pci-topology.js";
import { SriovPf } from "./sriov.js";

/** A PF whose 200 VFs (offset 1, stride 1) need a second bus number. */
function bigPfTopology() {
  const topo = new PciTopology();
  topo.attach(
    topo.root,
    0,
    new PciFunction(
      "hb",
      "host-bridge",
      256,
      { vendor: 0x8086, device: 1, revision: 0, classCode: 0x060000, headerType: 0 },
      "Host bridge",
    ),
  );
  const rp = makeRootPort({ portNumber: 1 });
  topo.attach(topo.root, 8, rp);
  const pf = new PciFunction(
    "pf",
    "endpoint",
    4096,
    { vendor: 0x8086, device: 0x10c9, revision: 1, classCode: 0x020000, headerType: 0 },
    "PF",
  );
  endpointHeader(pf);
  pf.pcieCap = addPcieCap(pf.cfg, { type: "endpoint" });
  addAriCap(pf.cfg, 0);
  pf.ext.sriovCap = addSriovCap(pf.cfg, {
    initialVfs: 300,
    totalVfs: 300,
    firstVfOffset: 1,
    vfStride: 1,
    vfDeviceId: 0x10ca,
    vfBars: [],
    ariCapableHierarchyWritable: true,
  });
  pf.cfg.captureReset();
  topo.attach(rp.secondary!, 0, pf);
  const s = new SriovPf(pf, pf.ext.sriovCap, topo, makeIgb82576Vf);
  return { topo, rp, pf, s };
}

describe("SR-IOV routing ids", () => {
  it("firmware reserves the bus numbers TotalVFs VFs carry into", () => {
    const { topo, rp } = bigPfTopology();
    expect(assignBusNumbers(topo)).toBe(2);
    expect(rp.configRead(0x19, 1)).toBe(1);
    expect(rp.configRead(0x1a, 1)).toBe(2);
  });

  it("VF routing ids carry into the next bus number and are routed through the PF's link", () => {
    const { topo, rp, pf, s } = bigPfTopology();
    assignBusNumbers(topo);
    rp.configWrite(rp.pcieCap + 0x28, 2, 0x20); // ARI forwarding enable
    pf.configWrite(pf.ext.sriovCap! + PCI_SRIOV_NUM_VF, 2, 260);
    pf.configWrite(pf.ext.sriovCap! + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
    expect(s.vfs).toHaveLength(260);
    expect(formatBdf(s.vfs[254].bdf)).toBe("01:1f.7"); // 0x100 + 1 + 254 = 0x1ff
    expect(formatBdf(s.vfs[255].bdf)).toBe("02:00.0"); // the carry
    expect(busOf(s.vfs[259].bdf)).toBe(2);
    expect(topo.route(bdf(2, 0, 3))).toBe(s.vfs[258]);
    expect(topo.route(bdf(3, 0, 0))).toBeNull();
  });
});
