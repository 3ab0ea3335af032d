/**
 * Builds a PCI Express machine from a PciMachineSpec: the catalogue's functions placed in
 * a topology, SR-IOV and hot-plug models attached, firmware run (bus numbers, windows,
 * commands), the ECAM window and the 0xCF8 mechanism, and optionally what the OS does at
 * boot (Linux pci_configure_ari: ARI forwarding on a port whose device has ARI; the AER
 * driver's reporting enables; the VFs the spec asks for, as `echo N > sriov_numvfs`).
 */
import { PCI_EXP_DEVCTL2, PCI_EXP_DEVCTL2_ARI, PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_DLLLA } from "./cap-pcie.js";
import { makeHostBridge5520, makeHostBridgeGm45 } from "./dev-host-bridge.js";
import { makeIgb82576Pf, makeIgb82576Vf } from "./dev-igb-82576.js";
import { IGD_DEVFN, makeIgdGm45 } from "./dev-igd.js";
import { makeLpcIch9m } from "./dev-lpc-ich9m.js";
import { makeNvme } from "./dev-nvme.js";
import { makeSwitchDownstream, makeSwitchUpstream } from "./dev-pcie-switch.js";
import { makeRootPort } from "./dev-root-port.js";
import { Ecam } from "./ecam.js";
import {
  PCI_SRIOV_CTRL,
  PCI_SRIOV_CTRL_ARI,
  PCI_SRIOV_CTRL_MSE,
  PCI_SRIOV_CTRL_VFE,
  PCI_SRIOV_NUM_VF,
} from "./ext-cap-sriov.js";
import { buildMcfg } from "./mcfg.js";
import { PciConf1 } from "./pci-conf1.js";
import { type FirmwareReport, runFirmware } from "./pci-firmware.js";
import type { PciFunction } from "./pci-function.js";
import type { EndpointSpec, LinkChildSpec, PciMachineSpec, PortSpec } from "./pci-machine-spec.js";
import { PCI_EXT_CAP_ID_ARI } from "./pci-regs.js";
import { type PciBus, PciTopology } from "./pci-topology.js";
import { enableAerReporting, enableFunctionAerReporting } from "./pcie-aer.js";
import { DEFAULT_SLOT_TIMING, PcieSlot, type SlotEffects, type SlotTiming } from "./pcie-slot.js";
import { DEFAULT_PCIEHP_TIMING, Pciehp, type PciehpTiming } from "./pciehp.js";
import { SriovPf } from "./sriov.js";

export interface BuildOptions {
  /** Effects for hot-plug slots (timing, traces); default: immediate, untraced. */
  effects?: SlotEffects;
  /** Also run the OS boot steps (ARI forwarding, AER enables, pciehp, boot-time VFs). Default true. */
  os?: boolean;
  slotTiming?: SlotTiming;
  pciehpTiming?: PciehpTiming;
}

export const IMMEDIATE_EFFECTS: SlotEffects = { after: (_d, fn) => fn(), trace: () => {} };

/** A card that can be inserted into a slot later (hot-plug), by catalogue model. */
export interface CardFunctions {
  functions: { fn: number; function: PciFunction }[];
}

export class PciMachine {
  readonly topo = new PciTopology();
  readonly byName = new Map<string, PciFunction>();
  readonly names = new Map<PciFunction, string>();
  readonly slots = new Map<string, PcieSlot>();
  /** The OS's hot-plug driver per slot (started by bootOs). */
  readonly pciehp = new Map<string, Pciehp>();
  /** Where the hot-plug drivers report device arrival and departure (set by the owner). */
  hotplugEvents: { ready(slot: string, fn0: PciFunction): void; gone(slot: string): void } = {
    ready: () => {},
    gone: () => {},
  };
  readonly pfs: SriovPf[] = [];
  readonly ecam: Ecam;
  readonly conf1: PciConf1;
  readonly hostBridge: PciFunction;
  firmware: FirmwareReport = { lastBus: 0, mmioUsed: 0, ioUsed: 0 };
  /** VF counts the OS enables at boot, by PF name. */
  private readonly bootVfs = new Map<string, number>();

  constructor(
    readonly spec: PciMachineSpec,
    private readonly effects: SlotEffects = IMMEDIATE_EFFECTS,
    private readonly slotTiming: SlotTiming = DEFAULT_SLOT_TIMING,
    private readonly pciehpTiming: PciehpTiming = DEFAULT_PCIEHP_TIMING,
  ) {
    this.hostBridge = spec.host === "gm45" ? makeHostBridgeGm45() : makeHostBridge5520();
    this.topo.attach(this.topo.root, 0, this.hostBridge);
    this.register("host", this.hostBridge);
    this.ecam = new Ecam(this.topo, spec.ecamBase);
    this.conf1 = new PciConf1(this.topo);
  }

  /** Builds and boots a machine. */
  static build(spec: PciMachineSpec, opts: BuildOptions = {}): PciMachine {
    const m = new PciMachine(spec, opts.effects ?? IMMEDIATE_EFFECTS, opts.slotTiming, opts.pciehpTiming);
    for (const d of spec.devices) {
      const devfn = d.device << 3;
      if (d.model === "root-port") m.placePort(m.topo.root, devfn, d, "root");
      else if (d.model === "igd")
        m.placeFn(m.topo.root, d.device === 2 ? IGD_DEVFN : devfn, makeIgdGm45(), d.name);
      else if (d.model === "lpc") m.placeFn(m.topo.root, devfn, makeLpcIch9m(), d.name);
      else m.placeEndpoint(m.topo.root, devfn, d);
    }
    m.firmware = runFirmware(m.topo);
    if (opts.os ?? true) m.bootOs();
    return m;
  }

  private register(name: string, fn: PciFunction): void {
    if (this.byName.has(name)) throw new Error(`duplicate PCI function name "${name}"`);
    this.byName.set(name, fn);
    this.names.set(fn, name);
  }

  nameOf(fn: PciFunction): string {
    return this.names.get(fn) ?? fn.name;
  }

  find(name: string): PciFunction | undefined {
    return this.byName.get(name);
  }

  private placeFn(bus: PciBus, devfn: number, fn: PciFunction, name: string): PciFunction {
    this.topo.attach(bus, devfn, fn);
    this.register(name, fn);
    return fn;
  }

  private placePort(bus: PciBus, devfn: number, p: PortSpec, kind: "root" | "down"): void {
    const o = {
      portNumber: devfn >> 3,
      slot: p.slot,
      hotplug: p.hotplug,
      speed: undefined,
      width: undefined,
    };
    const port = this.placeFn(
      bus,
      devfn,
      kind === "root" ? makeRootPort(o) : makeSwitchDownstream(o),
      p.name,
    );
    if (p.slot !== undefined && p.hotplug) {
      const slot = new PcieSlot(port, this.topo, this.effects, p.style ?? "hardware", this.slotTiming);
      this.slots.set(p.name, slot);
      if (p.child !== undefined) {
        if (p.child.model === "switch")
          throw new Error(`${p.name}: a switch behind a hot-plug slot is not supported`);
        slot.populateAtBoot(this.cardFor(p.child));
      }
      return;
    }
    if (p.child !== undefined) {
      this.placeChild(port.secondary!, p.child);
      // The link to the device below trained at power-on: Data Link Layer Link Active.
      port.cfg.setBits(port.pcieCap + PCI_EXP_LNKSTA, 2, PCI_EXP_LNKSTA_DLLLA);
    }
  }

  private placeChild(bus: PciBus, c: LinkChildSpec): void {
    if (c.model === "switch") {
      const up = this.placeFn(bus, 0, makeSwitchUpstream(), c.name);
      c.ports.forEach((p, i) => {
        this.placePort(up.secondary!, i << 3, p, "down");
      });
      return;
    }
    this.placeEndpoint(bus, 0, c);
  }

  private placeEndpoint(bus: PciBus, devfn: number, e: EndpointSpec): void {
    for (const f of this.cardFor(e).functions) this.topo.attach(bus, devfn | f.fn, f.function);
  }

  /** Builds (and names) the functions of an endpoint card without placing them. */
  cardFor(e: EndpointSpec): CardFunctions {
    if (e.model === "nvme") {
      const fn = makeNvme();
      this.register(e.name, fn);
      return { functions: [{ fn: 0, function: fn }] };
    }
    const pf0 = makeIgb82576Pf(0);
    const pf1 = makeIgb82576Pf(1);
    pf0.setMultifunction(true);
    pf1.setMultifunction(true);
    pf0.cfg.captureReset();
    pf1.cfg.captureReset();
    for (const [pf, name] of [
      [pf0, e.name],
      [pf1, `${e.name}.1`],
    ] as const) {
      this.register(name, pf);
      const s = new SriovPf(pf, pf.ext.sriovCap!, this.topo, (p, i) => {
        const vf = makeIgb82576Vf(p, i);
        const vfName = `${name}.vf${i}`;
        const old = this.byName.get(vfName);
        if (old !== undefined) this.names.delete(old);
        this.byName.set(vfName, vf);
        this.names.set(vf, vfName);
        return vf;
      });
      this.pfs.push(s);
      if (e.vfs !== undefined && e.vfs > 0) this.bootVfs.set(name, e.vfs);
    }
    return {
      functions: [
        { fn: 0, function: pf0 },
        { fn: 1, function: pf1 },
      ],
    };
  }

  /** OS boot: ARI forwarding where the device below has ARI, AER enables, pciehp, boot VFs. */
  bootOs(): void {
    for (const fn of this.topo.all()) this.configureAri(fn);
    for (const [name, slot] of this.slots) {
      const hp = new Pciehp(
        slot,
        this.topo,
        this.effects,
        {
          deviceReady: (_s, fn0) => this.hotplugEvents.ready(name, fn0),
          deviceGone: () => this.hotplugEvents.gone(name),
        },
        this.pciehpTiming,
      );
      this.pciehp.set(name, hp);
      slot.port.signal = () => hp.interrupt();
      hp.init();
    }
    enableAerReporting(this.topo);
    for (const [name, n] of this.bootVfs) this.enableVfs(name, n);
  }

  /** Linux pci_configure_ari: set ARI Forwarding Enable on the port above an ARI device. */
  configureAri(fn: PciFunction): boolean {
    const port = fn.bus?.bridge;
    if (port === null || port === undefined || !fn.bus?.isLink || fn.cfg.findExtCap(PCI_EXT_CAP_ID_ARI) === 0)
      return false;
    const at = port.pcieCap + PCI_EXP_DEVCTL2;
    port.configWrite(at, 2, port.cfg.get16(at) | PCI_EXP_DEVCTL2_ARI);
    return (port.cfg.get16(at) & PCI_EXP_DEVCTL2_ARI) !== 0;
  }

  /** `echo n > sriov_numvfs` (Linux sriov_enable): NumVFs, then VF Enable + VF MSE (+ ARI hierarchy). */
  enableVfs(pfName: string, n: number): PciFunction[] {
    const pf = this.byName.get(pfName);
    const s = pf?.ext.sriov;
    const cap = pf?.ext.sriovCap;
    if (pf === undefined || s === undefined || cap === undefined)
      throw new Error(`"${pfName}" is not an SR-IOV PF`);
    pf.configWrite(cap + PCI_SRIOV_NUM_VF, 2, n);
    const ari = pf.bus?.ariForwarding ? PCI_SRIOV_CTRL_ARI : 0;
    pf.configWrite(
      cap + PCI_SRIOV_CTRL,
      2,
      pf.cfg.get16(cap + PCI_SRIOV_CTRL) | PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | ari,
    );
    for (const vf of s.vfs) {
      this.configureAri(vf);
      enableFunctionAerReporting(vf);
    }
    return s.vfs;
  }

  /** `echo 0 > sriov_numvfs`. */
  disableVfs(pfName: string): void {
    const pf = this.byName.get(pfName);
    const cap = pf?.ext.sriovCap;
    if (pf === undefined || cap === undefined) throw new Error(`"${pfName}" is not an SR-IOV PF`);
    pf.configWrite(
      cap + PCI_SRIOV_CTRL,
      2,
      pf.cfg.get16(cap + PCI_SRIOV_CTRL) & ~(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE),
    );
  }

  /** The MCFG table describing this machine's ECAM window (segment 0). */
  mcfg(): Uint8Array {
    return buildMcfg([
      { base: this.ecam.base, segment: 0, startBus: this.ecam.startBus, endBus: this.ecam.endBus },
    ]);
  }
}
