/**
 * A PCI Express switch modelled on the TI XIO3130 that QEMU emulates (hw/pci-bridge/
 * xio3130_upstream.c 104c:8232 and xio3130_downstream.c 104c:8233): the upstream port
 * (PM 0x50, MSI 0x70, PCIe v2 0x90, AER 0x100) and any number of
 * downstream ports (same layout, plus a slot and ACS). Ports are functions of their own;
 * the topology builder puts the downstream ports on the upstream port's secondary bus.
 */
import { addMsiCap } from "./cap-msi.js";
import { addPcieCap } from "./cap-pcie.js";
import { addPmCap } from "./cap-pm.js";
import { bridgeHeader } from "./dev-common.js";
import { type PortOptions, portPcie, ROOT_PORT_ACS } from "./dev-root-port.js";
import { addAcsCap } from "./ext-cap-acs.js";
import { addAerCap } from "./ext-cap-aer.js";
import { PciFunction } from "./pci-function.js";
import { PCI_CFG_SPACE_EXP_SIZE, PCI_CLASS } from "./pci-regs.js";

export const XIO3130_UP = { vendor: 0x104c, device: 0x8232, revision: 0x02 } as const;
export const XIO3130_DOWN = { vendor: 0x104c, device: 0x8233, revision: 0x01 } as const;

export function makeSwitchUpstream(): PciFunction {
  const fn = new PciFunction(
    "xio3130-upstream",
    "upstream-port",
    PCI_CFG_SPACE_EXP_SIZE,
    { ...XIO3130_UP, classCode: PCI_CLASS.pciBridge, headerType: 1 },
    "PCI bridge: Texas Instruments XIO3130 PCI Express Switch (Upstream)",
  );
  bridgeHeader(fn);
  const c = fn.cfg;
  addPmCap(c, { at: 0x50 });
  fn.msiCap = addMsiCap(c, { is64: true, at: 0x70 });
  fn.pcieCap = addPcieCap(c, { type: "upstream", at: 0x90, speed: "5GT/s", width: 8, maxPayload: 1 });
  fn.aerCap = addAerCap(c, { rootPort: false, at: 0x100 });
  c.captureReset();
  return fn;
}

export function makeSwitchDownstream(o: PortOptions): PciFunction {
  const fn = new PciFunction(
    "xio3130-downstream",
    "downstream-port",
    PCI_CFG_SPACE_EXP_SIZE,
    { ...XIO3130_DOWN, classCode: PCI_CLASS.pciBridge, headerType: 1 },
    "PCI bridge: Texas Instruments XIO3130 PCI Express Switch (Downstream)",
  );
  bridgeHeader(fn);
  const c = fn.cfg;
  addPmCap(c, { at: 0x50 });
  fn.msiCap = addMsiCap(c, { is64: true, at: 0x70 });
  fn.pcieCap = addPcieCap(c, portPcie("downstream", o, 0x90));
  fn.aerCap = addAerCap(c, { rootPort: false, at: 0x100 });
  addAcsCap(c, ROOT_PORT_ACS, 0x148);
  c.captureReset();
  return fn;
}
