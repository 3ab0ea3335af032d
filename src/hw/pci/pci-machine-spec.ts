/**
 * The plain description of a PCI Express hierarchy that pci-machine.ts builds: what a
 * topology file or a scenario's `pcie.topology` section holds once validated (the zod
 * schema is src/scenario/pci-topology-file.ts). Names let scenarios refer to functions:
 * an 82576 named "nic0" has PFs "nic0" and "nic0.1" and VFs "nic0.vf1", "nic0.1.vf2"...
 */
import type { SlotStyle } from "./pcie-slot.js";

export const HOST_MODELS = ["ioh5520", "gm45"] as const;
export type HostModel = (typeof HOST_MODELS)[number];
export const ENDPOINT_MODELS = ["igb-82576", "nvme"] as const;
export type EndpointModel = (typeof ENDPOINT_MODELS)[number];
export const ROOT_BUS_MODELS = ["root-port", "igd", "lpc", "igb-82576", "nvme"] as const;

export interface EndpointSpec {
  model: EndpointModel;
  name: string;
  /** VFs the OS enables at boot on each PF (SR-IOV devices; igb allows up to 7). */
  vfs?: number;
}

export interface PortSpec {
  name: string;
  /** Physical slot number; absent = an embedded link without a slot. */
  slot?: number;
  hotplug?: boolean;
  style?: SlotStyle;
  child?: LinkChildSpec;
}

export interface SwitchSpec {
  model: "switch";
  name: string;
  ports: PortSpec[];
}

export type LinkChildSpec = EndpointSpec | SwitchSpec;

export type RootDeviceSpec =
  | ({ model: "root-port"; device: number } & PortSpec)
  | { model: "igd"; device: number; name: string }
  | { model: "lpc"; device: number; name: string }
  | (EndpointSpec & { device: number });

export interface PciMachineSpec {
  host: HostModel;
  /** ECAM window base (MCFG); 256 MiB aligned by convention. */
  ecamBase: number;
  devices: RootDeviceSpec[];
}

export const DEFAULT_ECAM_BASE = 0xe0000000;
