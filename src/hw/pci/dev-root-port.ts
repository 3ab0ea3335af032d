/**
 * A PCI Express root port, modelled on the Intel 5520/X58 I/O Hub root port (8086:3420,
 * "7500/5520/5500/X58 I/O Hub PCI Express Root Port 0") that QEMU emulates as `ioh3420`
 * (hw/pci-bridge/ioh3420.c: SSVID at 0x40, MSI at 0x60, PCIe v2 at 0x90, AER at 0x100;
 * we add ACS at 0x148 as 5520 root ports have it). Its slot may be hot-plug capable
 * (attention button, power controller, indicators, DLL active reporting).
 */
import { addMsiCap } from "./cap-msi.js";
import { addPcieCap, type LinkSpeed } from "./cap-pcie.js";
import { addPmCap } from "./cap-pm.js";
import { bridgeHeader } from "./dev-common.js";
import { addAcsCap, PCI_ACS } from "./ext-cap-acs.js";
import { addAerCap } from "./ext-cap-aer.js";
import { PciFunction } from "./pci-function.js";
import { PCI_CAP_ID_SSVID, PCI_CFG_SPACE_EXP_SIZE, PCI_CLASS } from "./pci-regs.js";

export const ROOT_PORT_IDS = { vendor: 0x8086, device: 0x3420, revision: 0x02 } as const;

/** ACS a 5520 root port offers: source validation, request/completion redirect, upstream forwarding. */
export const ROOT_PORT_ACS =
  PCI_ACS.sourceValidation |
  PCI_ACS.requestRedirect |
  PCI_ACS.completionRedirect |
  PCI_ACS.upstreamForwarding;

export interface PortOptions {
  portNumber: number;
  /** Physical slot number; undefined = no slot (an embedded link). */
  slot?: number;
  hotplug?: boolean;
  speed?: LinkSpeed;
  width?: number;
}

export function makeRootPort(o: PortOptions): PciFunction {
  const fn = new PciFunction(
    "ioh3420-root-port",
    "root-port",
    PCI_CFG_SPACE_EXP_SIZE,
    { ...ROOT_PORT_IDS, classCode: PCI_CLASS.pciBridge, headerType: 1 },
    "PCI bridge: Intel Corporation 7500/5520/5500/X58 I/O Hub PCI Express Root Port 0",
  );
  bridgeHeader(fn);
  const c = fn.cfg;
  const ssvid = c.addCap(PCI_CAP_ID_SSVID, 8, 0x40);
  c.set16(ssvid + 4, ROOT_PORT_IDS.vendor);
  c.set16(ssvid + 6, 0);
  fn.msiCap = addMsiCap(c, { is64: true, maskable: false, at: 0x60 });
  fn.pcieCap = addPcieCap(c, portPcie("rootPort", o, 0x90));
  addPmCap(c, { at: 0xe0, pmeSupport: 0x19 });
  fn.aerCap = addAerCap(c, { rootPort: true, at: 0x100 });
  addAcsCap(c, ROOT_PORT_ACS, 0x148);
  c.captureReset();
  return fn;
}

/** PCIe capability options of a downstream-facing port with an optional slot. */
export function portPcie(type: "rootPort" | "downstream", o: PortOptions, at: number) {
  return {
    type,
    at,
    speed: o.speed ?? ("5GT/s" as LinkSpeed),
    width: o.width ?? 8,
    portNumber: o.portNumber,
    dllActiveReporting: true,
    surpriseDownReporting: o.hotplug === true,
    ariForwarding: true,
    maxPayload: 1,
    slot:
      o.slot === undefined
        ? undefined
        : {
            number: o.slot,
            attentionButton: o.hotplug === true,
            powerController: o.hotplug === true,
            attentionIndicator: o.hotplug === true,
            powerIndicator: o.hotplug === true,
            powerLimitWatts: 25,
          },
  };
}
