/**
 * A host's PCI Express hierarchy with VT-d and the guests its functions are assigned to,
 * run on injected time (STYLE.md 2: `after`, `now`, `trace`; no kernel import). It ties
 * the device models together the way Xen 4.0 + qemu-dm do for passthrough:
 *  - dom0 enables VFs (`echo N > sriov_numvfs`); Xen learns each new function
 *    (pci_add_device) and maps it to dom0;
 *  - `xl pci-attach` assigns a function to a guest (VT-d context entry) and qemu
 *    hot-adds it into the guest's emulated PCIe root port (QEMU-style native hot-plug);
 *    the guest's pciehp powers the slot after its 5 s button wait and enumerates it; its
 *    driver then DMAs into guest memory through the IOMMU and is given remapped MSI-X;
 *  - an AER error at a function flows to its root port (pcie-aer.ts); the port's
 *    interrupt reaches Xen's handler, which picks an action (aer-policy.ts) and runs it:
 *    report, secondary bus reset, or take the device from the guest (deassign, surprise
 *    hot-remove from the guest, FLR) and give it back when healthy.
 * Guests are plain records here (name, domain id, memory); the host and scheduler model
 * of src/xen/ will own them later.
 */
import { type Bdf, formatBdf } from "../pci/bdf.js";
import { PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_BCR_FLR, PCI_EXP_DEVSTA } from "../pci/cap-pcie.js";
import { makeHostBridge5520 } from "../pci/dev-host-bridge.js";
import { makeRootPort } from "../pci/dev-root-port.js";
import {
  PCI_ERR_COR_STATUS,
  PCI_ERR_ROOT_ERR_SRC,
  PCI_ERR_ROOT_FIRST_FATAL,
  PCI_ERR_ROOT_MULTI_UNCOR_RCV,
  PCI_ERR_ROOT_STATUS,
  PCI_ERR_UNCOR_STATUS,
} from "../pci/ext-cap-aer.js";
import { assignBelowPort, assignBusNumbers } from "../pci/pci-firmware.js";
import { PciFunction } from "../pci/pci-function.js";
import { PciMachine } from "../pci/pci-machine.js";
import type { EndpointSpec, PciMachineSpec } from "../pci/pci-machine-spec.js";
import {
  PCI_BRIDGE_CONTROL,
  PCI_BRIDGE_CTL_BUS_RESET,
  PCI_CFG_SPACE_EXP_SIZE,
  PCI_COMMAND,
  PCI_COMMAND_MASTER,
} from "../pci/pci-regs.js";
import { PciTopology } from "../pci/pci-topology.js";
import {
  type AerError,
  type AerOutcome,
  enableFunctionAerReporting,
  injectAerError,
  severityOf,
} from "../pci/pcie-aer.js";
import { DEFAULT_SLOT_TIMING, PcieSlot, type SlotEffects, type SlotTiming } from "../pci/pcie-slot.js";
import { DEFAULT_PCIEHP_TIMING, Pciehp, type PciehpTiming } from "../pci/pciehp.js";
import {
  type AerAction,
  type AerPolicy,
  DEFAULT_AER_POLICY,
  DEFAULT_RECOVERY_TIMING,
  decideAerAction,
  type RecoveryTiming,
} from "./aer-policy.js";
import { DOM0, Passthrough } from "./pci-passthrough.js";
import { VTD_FAULT_TEXT } from "./vtd-regs.js";

export interface HostEffects {
  now(): number;
  after(delay: number, fn: () => void): void;
  trace(source: string, event: string, detail: string): void;
}

export interface GuestSpec {
  name: string;
  domid: number;
  memory: number;
}

export interface HostTiming {
  slot: SlotTiming;
  pciehp: PciehpTiming;
  recovery: RecoveryTiming;
  /** Period of an assigned device's DMA writes into guest memory (0 = none). */
  dmaPeriod: number;
}

export const DEFAULT_HOST_TIMING: HostTiming = {
  slot: DEFAULT_SLOT_TIMING,
  pciehp: DEFAULT_PCIEHP_TIMING,
  recovery: DEFAULT_RECOVERY_TIMING,
  dmaPeriod: 10_000_000,
};

/** One guest: its emulated root port with a QEMU-style hot-plug slot and its pciehp. */
interface Guest {
  spec: GuestSpec;
  topo: PciTopology;
  slot: PcieSlot;
  hp: Pciehp;
  /** The host function assigned and plugged into the slot. */
  device: PciFunction | null;
  driverBound: boolean;
  /** Set while a taken device should be given back once healthy. */
  giveBack: boolean;
}

/** Counters the report shows. */
export interface HostStats {
  aerErrors: number;
  aerInterrupts: number;
  aerMasked: number;
  aerContained: number;
  recoveries: number;
  recoveryTimes: number[];
  guestHotplugInterrupts: number;
  dmaOk: number;
  dmaFaults: number;
  actions: Record<AerAction, number>;
}

export class PassthroughHost {
  readonly machine: PciMachine;
  readonly pt: Passthrough;
  readonly guests = new Map<string, Guest>();
  readonly stats: HostStats = {
    aerErrors: 0,
    aerInterrupts: 0,
    aerMasked: 0,
    aerContained: 0,
    recoveries: 0,
    recoveryTimes: [],
    guestHotplugInterrupts: 0,
    dmaOk: 0,
    dmaFaults: 0,
    actions: { "report-to-dom0": 0, "reset-link": 0, "take-device": 0 },
  };
  /** (time, device name, owner) transitions, for the ownership chart. */
  readonly ownerLog: { t: number; device: string; owner: string }[] = [];
  /** Outcomes of injected errors, in order. */
  readonly aerOutcomes: (AerOutcome & { device: string; t: number })[] = [];
  private readonly errorTime = new Map<PciFunction, number>();
  private handlerPending = false;
  private readonly hostHp = new Map<PciFunction, Pciehp>();
  /** Functions that were in each host slot, to forget them when the card goes. */
  private readonly slotFunctions = new Map<string, PciFunction[]>();
  private readonly slotFx: SlotEffects;

  constructor(
    spec: PciMachineSpec,
    guests: readonly GuestSpec[],
    readonly policy: AerPolicy = DEFAULT_AER_POLICY,
    readonly timing: HostTiming = DEFAULT_HOST_TIMING,
    private readonly fx: HostEffects,
    hostRam = 16 * 2 ** 30,
    readonly reassign = true,
  ) {
    this.slotFx = {
      after: (d, fn) => fx.after(d, fn),
      trace: (slot, event, detail) => fx.trace(this.slotName(slot), event, detail ?? ""),
    };
    this.machine = PciMachine.build(spec, {
      effects: this.slotFx,
      slotTiming: timing.slot,
      pciehpTiming: timing.pciehp,
    });
    this.pt = new Passthrough(hostRam);
    this.pt.unit.onFaultEvent = () => fx.trace("dmar0", "fault-event", "VT-d fault event interrupt");
    for (const fn of this.machine.topo.all()) this.functionAdded(fn);
    this.machine.hotplugEvents = {
      ready: (name) => this.hostDeviceReady(name, this.machine.slots.get(name)!),
      gone: (name) => this.hostDeviceGone(name),
    };
    for (const [name, slot] of this.machine.slots) this.hostHp.set(slot.port, this.machine.pciehp.get(name)!);
    for (const fn of this.machine.topo.all())
      if (fn.kind === "root-port" || fn.kind === "downstream-port") fn.signal = (p) => this.portInterrupt(p);
    for (const s of this.machine.pfs) s.onChange = (pf, vfs) => this.vfsChanged(pf, vfs);
    for (const g of guests) this.addGuest(g);
  }

  private slotName(slot: PcieSlot): string {
    for (const g of this.guests.values()) if (g.slot === slot) return `${g.spec.name}:slot`;
    // During PciMachine.build the machine field is not assigned yet.
    const slots = (this.machine as PciMachine | undefined)?.slots ?? new Map<string, PcieSlot>();
    for (const [n, s] of slots) if (s === slot) return n;
    return slot.port.name;
  }

  nameOf(fn: PciFunction): string {
    return this.machine.nameOf(fn);
  }

  private setOwner(fn: PciFunction, owner: string): void {
    this.ownerLog.push({ t: this.fx.now(), device: this.nameOf(fn), owner });
  }

  private functionAdded(fn: PciFunction): void {
    this.pt.addDevice(fn.bdf);
    if (fn.kind === "endpoint" || fn.kind === "vf") this.setOwner(fn, "dom0");
  }

  private vfsChanged(pf: PciFunction, vfs: readonly PciFunction[]): void {
    const known = new Set(vfs);
    for (const [rid, owner] of [...this.pt.owner]) {
      const fn = this.machine.topo.route(rid);
      if (fn === null && owner !== undefined) {
        const gone = [...this.machine.names.keys()].find(
          (f) => f.bdf === rid && f.ext.vfOf?.pf === pf && !known.has(f),
        );
        this.pt.removeDevice(rid);
        if (gone) this.setOwner(gone, "absent");
      }
    }
    for (const vf of vfs) if (!this.pt.owner.has(vf.bdf)) this.functionAdded(vf);
    this.fx.trace(
      this.nameOf(pf),
      "sr-iov",
      vfs.length > 0
        ? `VF Enable: ${vfs.length} VFs at ${vfs.map((v) => formatBdf(v.bdf)).join(", ")}`
        : "VF Enable cleared: VFs removed",
    );
  }

  private addGuest(spec: GuestSpec): void {
    this.pt.addDomain(spec.domid, spec.name, spec.memory);
    const topo = new PciTopology();
    topo.attach(topo.root, 0, makeHostBridge5520());
    const port = makeRootPort({ portNumber: 4, slot: 4, hotplug: true });
    topo.attach(topo.root, 4 << 3, port);
    assignBusNumbers(topo);
    const slot = new PcieSlot(port, topo, this.slotFx, "qemu", this.timing.slot);
    const g: Guest = {
      spec,
      topo,
      slot,
      hp: null as unknown as Pciehp,
      device: null,
      driverBound: false,
      giveBack: false,
    };
    g.hp = new Pciehp(
      slot,
      topo,
      this.slotFx,
      {
        deviceReady: () => this.guestDriverUp(g),
        deviceGone: () => this.fx.trace(`${spec.name}:slot`, "guest", "device gone from the guest"),
      },
      this.timing.pciehp,
    );
    port.signal = () => {
      this.stats.guestHotplugInterrupts++;
      g.hp.interrupt();
    };
    this.guests.set(spec.name, g);
    g.hp.init();
  }

  private fn(name: string): PciFunction {
    const f = this.machine.find(name);
    if (f === undefined || f.bus === null) throw new Error(`no PCI function "${name}" present now`);
    return f;
  }

  // ---- operator actions ----

  enableVfs(pf: string, n: number): void {
    this.machine.enableVfs(pf, n);
    this.fx.after(this.timing.recovery.vfEnable, () =>
      this.fx.trace(pf, "sr-iov", `${n} VFs ready (100 ms after VF Enable)`),
    );
  }

  disableVfs(pf: string): void {
    this.machine.disableVfs(pf);
  }

  /** xl pci-attach: assign in VT-d, then hot-add into the guest's slot. */
  attach(device: string, guest: string): void {
    const fn = this.fn(device);
    const g = this.guests.get(guest);
    if (g === undefined) throw new Error(`no guest "${guest}"`);
    if (g.device !== null)
      throw new Error(`guest "${guest}" already has ${this.nameOf(g.device)} in its slot`);
    this.pt.assign(fn.bdf, g.spec.domid);
    this.setOwner(fn, guest);
    this.fx.trace(
      device,
      "assign",
      `VT-d context entry for ${formatBdf(fn.bdf)} -> domain ${g.spec.domid} (${guest})`,
    );
    g.device = fn;
    g.slot.insert({ functions: [{ fn: 0, function: guestView(fn) }] });
  }

  /** xl pci-detach: orderly unplug through the attention button, then deassign. */
  detach(device: string): void {
    const fn = this.fn(device);
    const g = [...this.guests.values()].find((x) => x.device === fn);
    if (g === undefined) throw new Error(`"${device}" is not assigned to a guest`);
    g.slot.pressAttentionButton();
    this.fx.after(this.timing.pciehp.buttonWait + this.timing.slot.commandTime, () =>
      this.finishDetach(g, fn),
    );
  }

  private finishDetach(g: Guest, fn: PciFunction): void {
    g.driverBound = false;
    g.device = null;
    this.pt.deassign(fn.bdf);
    this.setOwner(fn, "dom0");
    this.fx.trace(this.nameOf(fn), "deassign", `back to dom0 from ${g.spec.name}`);
  }

  private guestDriverUp(g: Guest): void {
    const fn = g.device;
    if (fn === null) return;
    g.driverBound = true;
    fn.configWrite(PCI_COMMAND, 2, fn.cfg.get16(PCI_COMMAND) | PCI_COMMAND_MASTER);
    const msi = this.pt.remapMsi(fn.bdf, 0x40 + g.spec.domid, 0);
    this.fx.trace(
      `${g.spec.name}:slot`,
      "guest",
      `driver bound to ${this.nameOf(fn)}; MSI-X vector 0 -> IRTE ${msi.handle}`,
    );
    if (g.giveBack) {
      g.giveBack = false;
      const t0 = this.errorTime.get(fn);
      if (t0 !== undefined) {
        this.stats.recoveryTimes.push(this.fx.now() - t0);
        this.errorTime.delete(fn);
      }
      this.stats.recoveries++;
    }
    if (this.timing.dmaPeriod > 0) this.dmaLoop(g, fn, 0);
  }

  private dmaLoop(g: Guest, fn: PciFunction, i: number): void {
    if (!g.driverBound || g.device !== fn) return;
    const r = this.pt.dma(fn.bdf, (i % 256) * 4096, true);
    if (r.ok) this.stats.dmaOk++;
    else this.stats.dmaFaults++;
    this.fx.after(this.timing.dmaPeriod, () => this.dmaLoop(g, fn, i + 1));
  }

  /** One DMA by a function (a scenario event), traced with any VT-d fault it records. */
  dma(device: string, address: number, write: boolean): void {
    const fn = this.fn(device);
    const faultsBefore = this.pt.unit.faults;
    const r = this.pt.dma(fn.bdf, address, write);
    if (r.ok) {
      this.stats.dmaOk++;
      this.fx.trace(
        device,
        "dma",
        `${write ? "write" : "read"} 0x${address.toString(16)} -> machine 0x${r.hpa.toString(16)} (domain ${r.domainId})`,
      );
      return;
    }
    this.stats.dmaFaults++;
    const detail = `${write ? "write" : "read"} 0x${address.toString(16)} faulted: reason 0x${r.reason.toString(16)} ${VTD_FAULT_TEXT[r.reason] ?? ""}`;
    this.fx.trace(
      device,
      "vt-d-fault",
      this.pt.unit.faults > faultsBefore ? `${detail} (recorded, SID ${formatBdf(fn.bdf as Bdf)})` : detail,
    );
  }

  // ---- AER ----

  injectAer(device: string, e: AerError): AerOutcome {
    const fn = this.fn(device);
    this.stats.aerErrors++;
    if (!this.errorTime.has(fn) && severityOf(fn, e) !== "correctable") this.errorTime.set(fn, this.fx.now());
    const out = injectAerError(this.machine.topo, fn, e);
    if (out.interrupt) this.stats.aerInterrupts++;
    this.aerOutcomes.push({ ...out, device, t: this.fx.now() });
    if (out.masked) this.stats.aerMasked++;
    if (out.containedAt) this.stats.aerContained++;
    const rs = out.rootStatus;
    const flags = [
      out.logged ? "logged" : "not logged (an earlier error holds the log)",
      out.containedAt
        ? `contained at ${this.nameOf(out.containedAt)}`
        : out.root
          ? `root status 0x${rs.toString(16)}`
          : "not sent",
      rs & PCI_ERR_ROOT_FIRST_FATAL ? "FIRST_FATAL" : "",
      rs & PCI_ERR_ROOT_MULTI_UNCOR_RCV ? "MULTI_UNCOR" : "",
      out.interrupt ? "root port interrupt" : "no new interrupt",
    ].filter((s) => s !== "");
    this.fx.trace(device, "aer-error", `${e.error} (${out.severity}): ${flags.join(", ")}`);
    return out;
  }

  /** A port's interrupt: the hot-plug service and the AER service each check their status. */
  private portInterrupt(port: PciFunction): void {
    this.hostHp.get(port)?.interrupt();
    if (port.kind !== "root-port" || port.aerCap === 0) return;
    if ((port.cfg.get32(port.aerCap + PCI_ERR_ROOT_STATUS) & 0x7f) === 0) return;
    if (this.handlerPending) return;
    this.handlerPending = true;
    this.fx.after(this.timing.recovery.handlerLatency, () => this.aerHandler(port));
  }

  /** Xen's handler: read the root port's source id, decide, act, clear status. */
  private aerHandler(port: PciFunction): void {
    this.handlerPending = false;
    const at = port.aerCap;
    const status = port.cfg.read(at + PCI_ERR_ROOT_STATUS, 4);
    const src = port.cfg.read(at + PCI_ERR_ROOT_ERR_SRC + 2, 2);
    const fn = this.machine.topo.route(src);
    port.configWrite(at + PCI_ERR_ROOT_STATUS, 4, status); // RW1C: clear what we saw
    if (fn === null) {
      this.fx.trace("xen", "aer-handler", `error source ${formatBdf(src as Bdf)} is gone`);
      return;
    }
    const sev = status & 0x40 ? "fatal" : status & 0x20 ? "nonfatal" : "correctable";
    const g = [...this.guests.values()].find((x) => x.device === fn);
    const action = decideAerAction(this.policy, sev, g !== undefined);
    this.stats.actions[action]++;
    this.fx.trace(
      "xen",
      "aer-handler",
      `${sev} error from ${this.nameOf(fn)} (${formatBdf(fn.bdf)}), owner ${g?.spec.name ?? "dom0"}: ${action}`,
    );
    clearFunctionErrors(fn);
    if (action === "report-to-dom0") {
      this.fx.trace("dom0", "aer", `logged ${sev} error of ${this.nameOf(fn)}; device keeps running`);
      if (this.errorTime.has(fn)) {
        this.stats.recoveryTimes.push(this.fx.now() - (this.errorTime.get(fn) ?? 0));
        this.errorTime.delete(fn);
        this.stats.recoveries++;
      }
    } else if (action === "take-device" && g !== undefined) this.takeDevice(g, fn);
    else this.resetLink(fn);
  }

  private takeDevice(g: Guest, fn: PciFunction): void {
    g.driverBound = false;
    g.device = null;
    g.slot.surpriseRemove();
    this.pt.deassign(fn.bdf);
    this.setOwner(fn, "dom0");
    this.fx.trace(this.nameOf(fn), "deassign", `taken from ${g.spec.name}; FLR`);
    fn.configWrite(
      fn.pcieCap + PCI_EXP_DEVCTL,
      2,
      fn.cfg.get16(fn.pcieCap + PCI_EXP_DEVCTL) | PCI_EXP_DEVCTL_BCR_FLR,
    );
    this.fx.after(this.timing.recovery.flr, () => {
      this.fx.trace(this.nameOf(fn), "flr", "function level reset complete; device healthy in dom0");
      if (!this.reassign) return;
      g.giveBack = true;
      this.attach(this.nameOf(fn), g.spec.name);
    });
  }

  /** Secondary bus reset on the port above `fn`; dom0 restores state afterwards. */
  private resetLink(fn: PciFunction): void {
    const port = fn.bus?.bridge;
    if (port === null || port === undefined) return;
    const saved = this.machine.topo.all().filter((f) => this.machine.topo.bridgesAbove(f).includes(port));
    const state = saved.filter((f) => f.kind !== "vf").map((f) => ({ f, s: f.cfg.save() }));
    const pfVfs = this.machine.pfs
      .filter((s) => saved.includes(s.pf))
      .map((s) => ({ name: this.nameOf(s.pf), n: s.vfs.length }));
    const owners = saved
      .filter((f) => f.kind === "vf")
      .map((f) => ({ name: this.nameOf(f), g: [...this.guests.values()].find((x) => x.device === f) }));
    for (const o of owners) if (o.g) this.takeFromGuestSilently(o.g);
    port.configWrite(PCI_BRIDGE_CONTROL, 2, port.cfg.get16(PCI_BRIDGE_CONTROL) | PCI_BRIDGE_CTL_BUS_RESET);
    for (const { f } of state) {
      f.cfg.reset();
      f.msix?.reset();
      f.ext.sriov?.resetVfs();
    }
    this.fx.trace(this.nameOf(port), "link-reset", `secondary bus reset: ${state.length} functions reset`);
    this.fx.after(this.timing.recovery.linkReset, () => {
      port.configWrite(PCI_BRIDGE_CONTROL, 2, port.cfg.get16(PCI_BRIDGE_CONTROL) & ~PCI_BRIDGE_CTL_BUS_RESET);
      for (const { f, s } of state) {
        const sriovCap = f.ext.sriovCap;
        const ctl = sriovCap !== undefined ? f.cfg.get16(sriovCap + 8) : 0;
        f.cfg.restore(s);
        if (sriovCap !== undefined) f.cfg.set16(sriovCap + 8, ctl); // VF Enable is re-done below
      }
      for (const p of pfVfs) if (p.n > 0) this.machine.enableVfs(p.name, p.n);
      this.fx.trace(this.nameOf(port), "link-reset", "link up; dom0 restored config state and VFs");
      for (const o of owners)
        if (o.g && this.reassign) {
          o.g.giveBack = true;
          this.fx.after(this.timing.recovery.vfEnable, () => this.attach(o.name, o.g!.spec.name));
        }
      if (owners.every((o) => !o.g)) {
        const t0 = this.errorTime.get(fn);
        if (t0 !== undefined) {
          this.stats.recoveryTimes.push(this.fx.now() - t0);
          this.errorTime.delete(fn);
          this.stats.recoveries++;
        }
      }
    });
  }

  private takeFromGuestSilently(g: Guest): void {
    const fn = g.device;
    if (fn === null) return;
    g.driverBound = false;
    g.device = null;
    g.slot.surpriseRemove();
    this.pt.deassign(fn.bdf);
    this.setOwner(fn, "dom0");
  }

  // ---- host slots ----

  private hostDeviceReady(name: string, slot: PcieSlot): void {
    assignBelowPort(slot.port);
    const fns = [...(slot.port.secondary?.functions.values() ?? [])];
    this.slotFunctions.set(name, fns);
    for (const f of fns) {
      this.functionAdded(f);
      this.machine.configureAri(f);
      enableFunctionAerReporting(f);
    }
    this.fx.trace(
      name,
      "dom0",
      `hot-added ${fns.map((f) => this.nameOf(f)).join(", ")}: BARs assigned, Xen told (pci_add_device)`,
    );
  }

  private hostDeviceGone(name: string): void {
    for (const f of this.slotFunctions.get(name) ?? []) {
      this.pt.removeDevice(f.bdf);
      this.setOwner(f, "absent");
    }
    this.slotFunctions.delete(name);
  }

  insert(slot: string, card: EndpointSpec): void {
    const s = this.machine.slots.get(slot);
    if (s === undefined) throw new Error(`no hot-plug slot "${slot}"`);
    s.insert(this.machine.cardFor(card));
  }

  pressButton(slot: string): void {
    const s = this.machine.slots.get(slot);
    if (s === undefined) throw new Error(`no hot-plug slot "${slot}"`);
    s.pressAttentionButton();
  }

  surpriseRemove(slot: string): void {
    const s = this.machine.slots.get(slot);
    if (s === undefined) throw new Error(`no hot-plug slot "${slot}"`);
    s.surpriseRemove();
  }

  guestHasDevice(guest: string): boolean {
    return this.guests.get(guest)?.driverBound ?? false;
  }
}

/** What the guest's config space shows: the host function with its real ids (qemu-dm pt). */
function guestView(host: PciFunction): PciFunction {
  const ids = host.ext.vfOf
    ? {
        ...host.ids,
        vendor: host.ext.vfOf.pf.ids.vendor,
        device: host.ext.vfOf.pf.cfg.get16((host.ext.vfOf.pf.ext.sriovCap ?? 0) + 0x1a),
      }
    : host.ids;
  const v = new PciFunction(host.model, "endpoint", PCI_CFG_SPACE_EXP_SIZE, ids, host.description);
  v.cfg.data.set(host.cfg.data);
  v.cfg.set16(0, ids.vendor);
  v.cfg.set16(2, ids.device);
  v.pcieCap = host.pcieCap;
  return v;
}

/** dom0's AER driver clears what it handled: AER status, Device Status error bits. */
function clearFunctionErrors(fn: PciFunction): void {
  if (fn.aerCap) {
    fn.configWrite(fn.aerCap + PCI_ERR_UNCOR_STATUS, 4, 0xffffffff);
    fn.configWrite(fn.aerCap + PCI_ERR_COR_STATUS, 4, 0xffffffff);
  }
  if (fn.pcieCap) fn.configWrite(fn.pcieCap + PCI_EXP_DEVSTA, 2, 0xf);
}

export { DOM0 };
