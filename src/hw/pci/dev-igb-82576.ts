/**
 * Intel 82576 Gigabit Network Connection (igb), the SR-IOV NIC of the 2009 I/O talks:
 * a dual-port device whose two PFs (8086:10c9) each offer up to 8 VFs (8086:10ca).
 * Register layout as lspci shows the real part (82576 datasheet rev 2.x, ch. 9):
 *   PF: BAR0 128 KiB MMIO, BAR1 4 MiB flash, BAR2 32 B I/O, BAR3 16 KiB MSI-X;
 *       PM 0x40, MSI 0x50 (64-bit, maskable), MSI-X 0x70 (10 vectors in BAR3, PBA at
 *       0x2000), PCIe v2 0xa0 (endpoint, FLR, 2.5 GT/s x4); AER 0x100, DSN 0x140,
 *       ARI 0x150, SR-IOV 0x160 (Initial/Total VFs 8, First VF Offset 128, Stride 2,
 *       VF BAR0 and BAR3 16 KiB 64-bit each).
 *   VF: IDs read 0xffff (SR-IOV §3.4.1.1), MSI-X 0x70 (3 vectors), PCIe 0xa0 (FLR),
 *       AER 0x100, ARI 0x150.
 * Linux's igb driver enables at most 7 VFs per port (its max_vfs limit: one queue pair
 * stays with the PF); the hardware reports 8, which is what config space says here.
 * Subsystem ids are left 0 (they vary by board).
 */
import { addMsiCap } from "./cap-msi.js";
import { addMsixCap } from "./cap-msix.js";
import { addPcieCap } from "./cap-pcie.js";
import { addPmCap } from "./cap-pm.js";
import { endpointHeader, INTX_PIN, wireFlr } from "./dev-common.js";
import { addAerCap } from "./ext-cap-aer.js";
import { addAriCap } from "./ext-cap-ari.js";
import { addDsnCap } from "./ext-cap-dsn.js";
import { addSriovCap } from "./ext-cap-sriov.js";
import { PciFunction } from "./pci-function.js";
import { PCI_CFG_SPACE_EXP_SIZE, PCI_CLASS, PCI_COMMAND, PCI_COMMAND_MASTER } from "./pci-regs.js";

export const IGB_82576 = {
  vendor: 0x8086,
  pfDevice: 0x10c9,
  vfDevice: 0x10ca,
  revision: 0x01,
  totalVfs: 8,
  /** Linux igb's max_vfs limit per port. */
  driverMaxVfs: 7,
  firstVfOffset: 128,
  vfStride: 2,
} as const;

const PF_DESC = "Ethernet controller: Intel Corporation 82576 Gigabit Network Connection";
const VF_DESC = "Ethernet controller: Intel Corporation 82576 Virtual Function";

/** PF `port` (0 or 1) of an 82576. */
export function makeIgb82576Pf(port: 0 | 1): PciFunction {
  const fn = new PciFunction(
    "igb-82576-pf",
    "endpoint",
    PCI_CFG_SPACE_EXP_SIZE,
    {
      vendor: IGB_82576.vendor,
      device: IGB_82576.pfDevice,
      revision: IGB_82576.revision,
      classCode: PCI_CLASS.ethernet,
      headerType: 0,
    },
    PF_DESC,
  );
  endpointHeader(fn, port === 0 ? INTX_PIN.INTA : INTX_PIN.INTB);
  fn.addBar({ index: 0, kind: "mem32", size: 128 * 1024 });
  fn.addBar({ index: 1, kind: "mem32", size: 4 * 1024 * 1024 });
  fn.addBar({ index: 2, kind: "io", size: 32 });
  fn.addBar({ index: 3, kind: "mem32", size: 16 * 1024 });
  const c = fn.cfg;
  addPmCap(c, { at: 0x40, pmeSupport: 0x19 });
  fn.msiCap = addMsiCap(c, { is64: true, maskable: true, at: 0x50 });
  fn.msix = addMsixCap(fn, {
    vectors: 10,
    tableBar: 3,
    tableOffset: 0,
    pbaBar: 3,
    pbaOffset: 0x2000,
    at: 0x70,
  });
  fn.pcieCap = addPcieCap(c, {
    type: "endpoint",
    at: 0xa0,
    maxPayload: 2,
    extTag: true,
    flr: true,
    speed: "2.5GT/s",
    width: 4,
    aspm: 3,
  });
  fn.aerCap = addAerCap(c, { rootPort: false, ecrc: true, at: 0x100 });
  addDsnCap(c, 0x001b21ff, 0xfe3a5c00 + port, 0x140);
  addAriCap(c, port === 0 ? 1 : 0, 0x150);
  fn.ext.sriovCap = addSriovCap(c, {
    initialVfs: IGB_82576.totalVfs,
    totalVfs: IGB_82576.totalVfs,
    firstVfOffset: IGB_82576.firstVfOffset,
    vfStride: IGB_82576.vfStride,
    vfDeviceId: IGB_82576.vfDevice,
    functionLink: port,
    ariCapableHierarchyWritable: port === 0,
    vfBars: [
      { index: 0, kind: "mem64", size: 16 * 1024 },
      { index: 3, kind: "mem64", size: 16 * 1024 },
    ],
    at: 0x160,
  });
  c.captureReset();
  wireFlr(fn, () => fn.ext.sriov?.resetVfs());
  return fn;
}

/** VF `index` (1-based) of an 82576 PF. */
export function makeIgb82576Vf(pf: PciFunction, index: number): PciFunction {
  const fn = new PciFunction(
    "igb-82576-vf",
    "vf",
    PCI_CFG_SPACE_EXP_SIZE,
    {
      vendor: 0xffff,
      device: 0xffff,
      revision: pf.ids.revision,
      classCode: PCI_CLASS.ethernet,
      headerType: 0,
    },
    `${VF_DESC} (VF ${index} of ${pf.model})`,
  );
  // VFs: Bus Master is the only Command bit; memory decode is the PF's VF MSE (SR-IOV §3.4.1.3).
  fn.setCommandMask(PCI_COMMAND_MASTER);
  fn.cfg.set16(PCI_COMMAND, 0);
  const c = fn.cfg;
  fn.msix = addMsixCap(fn, {
    vectors: 3,
    tableBar: 3,
    tableOffset: 0,
    pbaBar: 3,
    pbaOffset: 0x2000,
    at: 0x70,
  });
  fn.pcieCap = addPcieCap(c, {
    type: "endpoint",
    at: 0xa0,
    maxPayload: 2,
    extTag: true,
    flr: true,
    speed: "2.5GT/s",
    width: 4,
  });
  fn.aerCap = addAerCap(c, { rootPort: false, at: 0x100 });
  addAriCap(c, 0, 0x150);
  c.captureReset();
  wireFlr(fn);
  return fn;
}
