/**
 * What platform firmware (and Linux's pci_scan_child_bus / pci_assign_unassigned_resources
 * where firmware leaves off) does to a hierarchy before an OS runs:
 *
 * Bus numbers, depth first (PCI-to-PCI Bridge spec 1.2 §3.2.5.3-5): each bridge gets
 * primary = its bus, secondary = the next free number, subordinate = the last number
 * used below it. Like Linux's `max += pci_iov_bus_range(bus)`, a bus holding SR-IOV PFs
 * first reserves the bus numbers their TotalVFs VFs will need (routing ids that carry
 * past the PF's bus).
 *
 * Address windows: every BAR (and each PF's VF BAR k, sized TotalVFs x per-VF size) is
 * naturally aligned; a bridge's window packs its children largest alignment first and is
 * rounded to 1 MiB (memory) or 4 KiB (I/O), the bridge window granularity (§3.2.5.6-9).
 * Non-prefetchable and prefetchable windows are both placed below 4 GiB, in
 * [0xc0000000, 0xe0000000) below the ECAM window, prefetchable first; I/O from 0x1000. A hot-plug slot's
 * window reserves at least `HOTPLUG_RESERVE` (Linux's pci=hpmemsize, default 2 MiB, and
 * hpiosize 256 B, rounded to the granularity).
 *
 * Commands: bridges get I/O, Memory, Bus Master and SERR, and Bridge Control SERR (so
 * error messages are forwarded upstream, as server BIOSes set it); endpoints Memory/I/O
 * for the BARs they have and Bus Master. INTx pins are routed to GSIs 16..19 with the
 * standard swizzle (PCI-to-PCI Bridge spec §9.1).
 */
import { busOf } from "./bdf.js";
import { PCI_EXP_FLAGS, PCI_EXP_FLAGS_SLOT, PCI_EXP_SLTCAP, PCI_EXP_SLTCAP_HPC } from "./cap-pcie.js";
import { PCI_SRIOV_BAR, PCI_SRIOV_TOTAL_VF } from "./ext-cap-sriov.js";
import { type BarKind, setBarAddress, setBridgeWindows, sizeBar, type Window } from "./pci-bar.js";
import type { PciFunction } from "./pci-function.js";
import {
  PCI_BRIDGE_CONTROL,
  PCI_BRIDGE_CTL_SERR,
  PCI_COMMAND,
  PCI_COMMAND_IO,
  PCI_COMMAND_MASTER,
  PCI_COMMAND_MEMORY,
  PCI_COMMAND_SERR,
  PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN,
  PCI_PRIMARY_BUS,
  PCI_SECONDARY_BUS,
  PCI_SUBORDINATE_BUS,
} from "./pci-regs.js";
import type { PciBus, PciTopology } from "./pci-topology.js";

export const MMIO_BASE = 0xc0000000;
export const MMIO_LIMIT = 0xe0000000; // the ECAM window (pci-machine-spec DEFAULT_ECAM_BASE) starts here
export const IO_BASE = 0x1000;
export const IO_LIMIT = 0x10000;
const MIB = 1 << 20;
const MEM_GRANULARITY = MIB;
const IO_GRANULARITY = 0x1000;
/** Minimum windows behind a hot-plug slot (Linux DEFAULT_HOTPLUG_MEM_SIZE 2 MiB, IO 256 B). */
export const HOTPLUG_RESERVE = { mem: 2 * MIB, pref: 2 * MIB, io: 0x100 } as const;

type Space = "io" | "mem" | "pref";
const SPACES: readonly Space[] = ["pref", "mem", "io"];

interface Need {
  size: number;
  align: number;
  place(addr: number): void;
}

export interface FirmwareReport {
  lastBus: number;
  mmioUsed: number;
  ioUsed: number;
}

/** Runs bus numbering, resource assignment and command setup. Throws if space runs out. */
export function runFirmware(topo: PciTopology): FirmwareReport {
  const lastBus = assignBusNumbers(topo);
  const used = assignResources(topo);
  enableDecode(topo);
  return { lastBus, ...used };
}

export function assignBusNumbers(topo: PciTopology): number {
  const walk = (bus: PciBus, number: number): number => {
    let last = number;
    for (const [devfn, f] of bus.functions) {
      f.bdf = ((number << 8) | devfn) as PciFunction["bdf"];
      const s = f.ext.sriov;
      if (s !== undefined) {
        const rid = f.bdf + s.vfRidOffsetForTotal();
        last = Math.max(last, Math.min(255, busOf(rid as PciFunction["bdf"])));
      }
    }
    for (const br of bus.bridges()) {
      const c = br.cfg;
      c.set8(PCI_PRIMARY_BUS, number);
      c.set8(PCI_SECONDARY_BUS, last + 1);
      c.set8(PCI_SUBORDINATE_BUS, 0xff);
      const sub = walk(br.secondary!, last + 1);
      c.set8(PCI_SUBORDINATE_BUS, sub);
      last = sub;
    }
    return last;
  };
  const last = walk(topo.root, 0);
  topo.refreshBdfs();
  return last;
}

function spaceOf(kind: BarKind, prefetch: boolean | undefined): Space {
  return kind === "io" ? "io" : prefetch ? "pref" : "mem";
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

/** Packs needs largest alignment first; returns total size and alignment, and a placer. */
function pack(items: Need[], gran: number): { size: number; align: number; place: (base: number) => void } {
  const sorted = [...items].sort((a, b) => b.align - a.align || b.size - a.size);
  const offsets: number[] = [];
  let off = 0;
  for (const it of sorted) {
    off = alignUp(off, it.align);
    offsets.push(off);
    off += it.size;
  }
  const align = Math.max(gran, sorted[0]?.align ?? gran);
  return {
    size: alignUp(off, gran),
    align,
    place: (base) => {
      sorted.forEach((it, i) => {
        it.place(base + offsets[i]);
      });
    },
  };
}

function needsOf(bus: PciBus, space: Space, windows: Map<PciFunction, Record<Space, Window | null>>): Need[] {
  const out: Need[] = [];
  const fns = [...bus.functions.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
  for (const fn of fns) {
    for (const bar of fn.bars)
      if (spaceOf(bar.kind, bar.prefetch) === space)
        out.push({ size: bar.size, align: bar.size, place: (a) => setBarAddress(fn.cfg, bar.index, a) });
    const cap = fn.ext.sriovCap;
    if (cap !== undefined) {
      const total = fn.cfg.get16(cap + PCI_SRIOV_TOTAL_VF);
      for (let k = 0; k < 6; k++) {
        const lo = fn.cfg.get32(cap + PCI_SRIOV_BAR + 4 * k);
        const size = sizeBar(fn.cfg, k, cap + PCI_SRIOV_BAR);
        if (size === 0) continue;
        const sp: Space = lo & 1 ? "io" : lo & 8 ? "pref" : "mem";
        const idx = k;
        if (sp === space)
          out.push({
            size: size * total,
            align: size,
            place: (a) => setBarAddress(fn.cfg, idx, a, cap + PCI_SRIOV_BAR),
          });
        if ((lo & 6) === 4) k++;
      }
    }
    if (fn.secondary !== null) {
      const child = needsOf(fn.secondary, space, windows);
      const gran = space === "io" ? IO_GRANULARITY : MEM_GRANULARITY;
      const reserve = isHotplugPort(fn) ? HOTPLUG_RESERVE[space] : 0;
      if (child.length === 0 && reserve === 0) continue;
      const p = pack(child, gran);
      const size = Math.max(p.size, alignUp(reserve, gran));
      out.push({
        size,
        align: p.align,
        place: (a) => {
          p.place(a);
          const w = windows.get(fn) ?? { io: null, mem: null, pref: null };
          w[space] = { base: a, limit: a + size - 1 };
          windows.set(fn, w);
        },
      });
    }
  }
  return out;
}

/** A root or downstream port whose slot is hot-plug capable. */
export function isHotplugPort(fn: PciFunction): boolean {
  if (fn.pcieCap === 0 || (fn.cfg.get16(fn.pcieCap + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_SLOT) === 0) return false;
  return (fn.cfg.get32(fn.pcieCap + PCI_EXP_SLTCAP) & PCI_EXP_SLTCAP_HPC) !== 0;
}

export function assignResources(topo: PciTopology): { mmioUsed: number; ioUsed: number } {
  const windows = new Map<PciFunction, Record<Space, Window | null>>();
  let mmio = MMIO_BASE;
  let ioUsed = 0;
  for (const space of SPACES) {
    const p = pack(needsOf(topo.root, space, windows), space === "io" ? IO_GRANULARITY : MEM_GRANULARITY);
    if (space === "io") {
      if (IO_BASE + p.size > IO_LIMIT) throw new RangeError(`I/O space exhausted: need ${p.size} bytes`);
      p.place(IO_BASE);
      ioUsed = p.size;
      continue;
    }
    const base = alignUp(mmio, p.align);
    if (base + p.size > MMIO_LIMIT)
      throw new RangeError(`MMIO below 4 GiB exhausted: need ${p.size} bytes at 0x${base.toString(16)}`);
    p.place(base);
    mmio = base + p.size;
  }
  for (const fn of topo.all())
    if (fn.secondary !== null) {
      const w = windows.get(fn);
      setBridgeWindows(fn.cfg, w?.io ?? null, w?.mem ?? null, w?.pref ?? null);
    }
  return { mmioUsed: mmio - MMIO_BASE, ioUsed };
}

/** Enables decode and bus mastering, SERR forwarding, and routes INTx. */
export function enableDecode(topo: PciTopology): void {
  for (const fn of topo.all()) {
    if (fn.kind === "host-bridge" || fn.kind === "isa-bridge" || fn.kind === "vf") continue;
    let cmd = PCI_COMMAND_MASTER;
    if (fn.secondary !== null) {
      cmd |= PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_SERR;
      fn.configWrite(PCI_BRIDGE_CONTROL, 2, fn.cfg.get16(PCI_BRIDGE_CONTROL) | PCI_BRIDGE_CTL_SERR);
    }
    for (const b of fn.bars) cmd |= b.kind === "io" ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
    fn.configWrite(PCI_COMMAND, 2, fn.cfg.get16(PCI_COMMAND) | cmd);
    const pin = fn.cfg.get8(PCI_INTERRUPT_PIN);
    if (pin !== 0) fn.configWrite(PCI_INTERRUPT_LINE, 1, 16 + ((((fn.bdf >> 3) & 0x1f) + pin - 1) % 4));
  }
}

/**
 * Resources for a device hot-added below `port` (Linux pciehp_configure_device ->
 * pci_assign_unassigned_bridge_resources): its BARs are packed into the windows the port
 * already forwards (firmware reserved them, HOTPLUG_RESERVE), then decode is enabled.
 * Throws when they do not fit (Linux would have to rebalance the windows above).
 */
export function assignBelowPort(port: PciFunction): void {
  const sec = port.secondary;
  if (sec === null) throw new Error(`${port.name} is not a bridge`);
  const c = port.cfg;
  const memBase = (c.get16(0x20) & 0xfff0) * 65536;
  const memLimit = (c.get16(0x22) & 0xfff0) * 65536 + 0xfffff;
  const prefBase = (c.get16(0x24) & 0xfff0) * 65536 + c.get32(0x28) * 2 ** 32;
  const prefLimit = (c.get16(0x26) & 0xfff0) * 65536 + 0xfffff + c.get32(0x2c) * 2 ** 32;
  const ioBase = ((c.get8(0x1c) & 0xf0) << 8) + c.get16(0x30) * 65536;
  const ioLimit = ((c.get8(0x1d) & 0xf0) << 8) + 0xfff + c.get16(0x30 + 2) * 65536;
  const windows: Record<Space, [number, number]> = {
    mem: [memBase, memLimit],
    pref: [prefBase, prefLimit],
    io: [ioBase, ioLimit],
  };
  for (const space of SPACES) {
    const needs = needsOf(sec, space, new Map());
    if (needs.length === 0) continue;
    const p = pack(needs, 1);
    const [base, limit] = windows[space];
    const at = alignUp(base, p.align);
    if (limit < base || at + p.size - 1 > limit)
      throw new RangeError(
        `${port.name}: ${space} window cannot hold ${p.size} bytes for the hot-added device`,
      );
    p.place(at);
  }
  for (const fn of sec.functions.values()) {
    let cmd = PCI_COMMAND_MASTER;
    for (const b of fn.bars) cmd |= b.kind === "io" ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
    fn.configWrite(PCI_COMMAND, 2, fn.cfg.get16(PCI_COMMAND) | cmd);
  }
}
