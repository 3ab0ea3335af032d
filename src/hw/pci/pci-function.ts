/**
 * A PCI function: its configuration space, identity, BARs and the side effects its
 * registers have. Device models (dev-*.ts) build one by setting reset values and masks,
 * adding capabilities and registering write hooks for registers that do something
 * (FLR, slot control, SR-IOV control); the topology gives it a routing id and a bus.
 *
 * Side effects run after the masked write, with the written and the old value, so a
 * hook sees exactly what the guest wrote (e.g. an "initiate FLR" bit that reads back 0).
 * Interrupts leave through `signal` (see msi-delivery.ts), never through a global.
 */
import { type Bdf, formatBdf } from "./bdf.js";
import type { MsixTable } from "./cap-msix.js";
import { type AccessLen, type ConfigSize, ConfigSpace } from "./config-space.js";
import { type BarSpec, defineBar } from "./pci-bar.js";
import {
  PCI_CLASS_PROG,
  PCI_COMMAND,
  PCI_DEVICE_ID,
  PCI_HEADER_TYPE,
  PCI_HEADER_TYPE_MULTIFUNCTION,
  PCI_REVISION_ID,
  PCI_STATUS,
  PCI_STATUS_W1C,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_VENDOR_ID,
} from "./pci-regs.js";
import type { PciBus } from "./pci-topology.js";
import type { PcieSlot } from "./pcie-slot.js";
import type { SriovPf } from "./sriov.js";

/** What a function is in the hierarchy (PCIe capability device/port type, plus legacy kinds). */
export const FUNCTION_KINDS = [
  "host-bridge",
  "root-port",
  "upstream-port",
  "downstream-port",
  "endpoint",
  "vf",
  "isa-bridge",
] as const;
export type FunctionKind = (typeof FUNCTION_KINDS)[number];

export interface FunctionIds {
  vendor: number;
  device: number;
  revision: number;
  /** 24-bit class code: base class << 16 | subclass << 8 | prog-if. */
  classCode: number;
  subVendor?: number;
  subDevice?: number;
  headerType: 0 | 1;
}

/** Models attached to a function by the capability files that own them. */
export interface FunctionExtensions {
  /** SR-IOV physical function state (sriov.ts). */
  sriov?: SriovPf;
  /** For a VF: its PF and its 1-based VF number. */
  vfOf?: { pf: PciFunction; index: number };
  /** A root or downstream port's hot-plug slot (pcie-slot.ts). */
  slot?: PcieSlot;
  /** The SR-IOV capability offset. */
  sriovCap?: number;
}

/** A side effect of a write to [start, start + len): called after the masked write. */
export type WriteHook = (off: number, len: AccessLen, val: number, old: number) => void;

interface Hook {
  start: number;
  end: number;
  fn: WriteHook;
}

/** Where a function's interrupts go (see msi-delivery.ts): vector is the MSI/MSI-X vector index. */
export type InterruptSignal = (fn: PciFunction, vector: number) => void;

export class PciFunction {
  /** Routing id; set when the function is placed in a topology. */
  bdf = 0 as Bdf;
  readonly cfg: ConfigSpace;
  readonly bars: BarSpec[] = [];
  private readonly hooks: Hook[] = [];
  /** Interrupt path; the topology connects it. Unconnected: interrupts are counted only. */
  signal: InterruptSignal | null = null;
  /** The bus it sits on, and for a bridge the bus behind it (set by pci-topology.ts). */
  bus: PciBus | null = null;
  secondary: PciBus | null = null;
  /** Offsets of the capabilities the models use (0: absent). */
  pcieCap = 0;
  aerCap = 0;
  msiCap = 0;
  /** MSI-X table, when the function has MSI-X. */
  msix: MsixTable | null = null;
  /** Extra state owned by capability models (SR-IOV PF, hot-plug slot); see those files. */
  readonly ext: FunctionExtensions = {};
  /** Config reads and writes seen (for conformance tests and reports). */
  reads = 0;
  writes = 0;

  constructor(
    /** Catalogue model name ("igb-82576-pf"). */
    readonly model: string,
    readonly kind: FunctionKind,
    size: ConfigSize,
    readonly ids: FunctionIds,
    /** lspci-style "Class: Vendor Device" text for dumps. */
    readonly description: string,
  ) {
    this.cfg = new ConfigSpace(size);
    const c = this.cfg;
    c.set16(PCI_VENDOR_ID, ids.vendor);
    c.set16(PCI_DEVICE_ID, ids.device);
    c.set8(PCI_REVISION_ID, ids.revision);
    c.set8(PCI_CLASS_PROG, ids.classCode & 0xff);
    c.set16(PCI_CLASS_PROG + 1, (ids.classCode >> 8) & 0xffff);
    c.set8(PCI_HEADER_TYPE, ids.headerType);
    if (ids.headerType === 0) {
      c.set16(PCI_SUBSYSTEM_VENDOR_ID, ids.subVendor ?? 0);
      c.set16(PCI_SUBSYSTEM_ID, ids.subDevice ?? 0);
    }
    c.mask(PCI_STATUS, 2, 0, PCI_STATUS_W1C);
  }

  get name(): string {
    return `${formatBdf(this.bdf)} ${this.model}`;
  }

  /** Marks the function as one of several at its device number (header type bit 7). */
  setMultifunction(on: boolean): void {
    const h = this.cfg.get8(PCI_HEADER_TYPE);
    this.cfg.set8(PCI_HEADER_TYPE, on ? h | PCI_HEADER_TYPE_MULTIFUNCTION : h & 0x7f);
  }

  /** Declares the Command register's writable bits. */
  setCommandMask(mask: number): void {
    this.cfg.mask(PCI_COMMAND, 2, mask);
  }

  addBar(bar: BarSpec): void {
    defineBar(this.cfg, bar);
    this.bars.push(bar);
  }

  /** Registers a side effect for writes touching [start, start + len). */
  onWrite(start: number, len: number, fn: WriteHook): void {
    this.hooks.push({ start, end: start + len, fn });
  }

  /** A configuration read as a config cycle performs it. */
  configRead(off: number, len: AccessLen): number {
    this.reads++;
    return this.cfg.read(off, len);
  }

  /** A configuration write: masks, then the side effects of the registers it touched. */
  configWrite(off: number, len: AccessLen, val: number): void {
    this.writes++;
    const old = this.cfg.read(off, len);
    this.cfg.write(off, len, val);
    for (const h of this.hooks) if (off < h.end && off + len > h.start) h.fn(off, len, val, old);
  }

  /** Raises interrupt `vector` through whatever the function has enabled (MSI-X, MSI, INTx). */
  interrupt(vector: number): void {
    this.signal?.(this, vector);
  }
}

/**
 * The value a write of `len` bytes at `off` carried for register [reg, reg + regLen):
 * bytes the write did not cover read as 0; null when it missed the register.
 */
export function writtenField(
  off: number,
  len: number,
  val: number,
  reg: number,
  regLen: number,
): number | null {
  if (off + len <= reg || off >= reg + regLen) return null; // the write missed the register
  let v = 0;
  for (let i = 0; i < regLen; i++) {
    const a = reg + i;
    const byte = a >= off && a < off + len ? (val >>> (8 * (a - off))) & 0xff : 0;
    v |= byte << (8 * i);
  }
  return v >>> 0;
}
