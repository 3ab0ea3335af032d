/**
 * An NVMe SSD endpoint modelled on the Intel DC P3700 (8086:0953, "PCIe Data Center
 * SSD", class 010802 NVM Express): BAR0 16 KiB 64-bit MMIO holding the controller
 * registers and the MSI-X table (32 vectors at 0x2000, PBA at 0x3000); PM 0x40, MSI-X
 * 0x50, PCIe v2 0x60 (endpoint, FLR, 8 GT/s is PCIe 3 so we give 5 GT/s x4 for a 2009
 * platform), AER 0x100, DSN 0x150. Only configuration space is modelled, not the NVMe
 * queues.
 */
import { addMsixCap } from "./cap-msix.js";
import { addPcieCap } from "./cap-pcie.js";
import { addPmCap } from "./cap-pm.js";
import { endpointHeader, wireFlr } from "./dev-common.js";
import { addAerCap } from "./ext-cap-aer.js";
import { addDsnCap } from "./ext-cap-dsn.js";
import { PciFunction } from "./pci-function.js";
import { PCI_CFG_SPACE_EXP_SIZE, PCI_CLASS } from "./pci-regs.js";

export const NVME_P3700 = { vendor: 0x8086, device: 0x0953, revision: 0x01 } as const;

export function makeNvme(): PciFunction {
  const fn = new PciFunction(
    "nvme-p3700",
    "endpoint",
    PCI_CFG_SPACE_EXP_SIZE,
    { ...NVME_P3700, classCode: PCI_CLASS.storageNvme, headerType: 0, subVendor: 0x8086, subDevice: 0x3703 },
    "Non-Volatile memory controller: Intel Corporation PCIe Data Center SSD",
  );
  endpointHeader(fn);
  fn.addBar({ index: 0, kind: "mem64", size: 16 * 1024 });
  const c = fn.cfg;
  addPmCap(c, { at: 0x40 });
  fn.msix = addMsixCap(fn, {
    vectors: 32,
    tableBar: 0,
    tableOffset: 0x2000,
    pbaBar: 0,
    pbaOffset: 0x3000,
    at: 0x50,
  });
  fn.pcieCap = addPcieCap(c, {
    type: "endpoint",
    at: 0x60,
    maxPayload: 2,
    extTag: true,
    flr: true,
    speed: "5GT/s",
    width: 4,
  });
  fn.aerCap = addAerCap(c, { rootPort: false, at: 0x100 });
  addDsnCap(c, 0x55cd2e40, 0x00a1b2c3, 0x150);
  c.captureReset();
  wireFlr(fn);
  return fn;
}
