/**
 * MSI-X capability and its table and PBA (PCI Local Bus spec 3.0 §6.8.2; pci_regs.h
 * PCI_MSIX_*). The capability holds table size (RO), Function Mask and Enable (RW), and
 * the BIR/offset of the table and the PBA (RO). The table (16 bytes per vector: address
 * lo, address hi, data, vector control bit 0 = masked) and the PBA live in BAR memory,
 * modelled by `MsixTable`: a masked vector's message sets its pending bit, and unmasking
 * (the vector, or the whole function) sends what is pending (§6.8.2.9).
 */
import type { ConfigSpace } from "./config-space.js";
import type { PciFunction } from "./pci-function.js";
import { PCI_CAP_ID_MSIX } from "./pci-regs.js";

export const PCI_MSIX_FLAGS = 2;
export const PCI_MSIX_FLAGS_QSIZE = 0x07ff;
export const PCI_MSIX_FLAGS_MASKALL = 0x4000;
export const PCI_MSIX_FLAGS_ENABLE = 0x8000;
export const PCI_MSIX_TABLE = 4;
export const PCI_MSIX_PBA = 8;
export const PCI_MSIX_BIR = 0x7;
export const PCI_MSIX_SIZEOF = 12;
export const PCI_MSIX_ENTRY_SIZE = 16;
export const PCI_MSIX_ENTRY_LOWER_ADDR = 0;
export const PCI_MSIX_ENTRY_UPPER_ADDR = 4;
export const PCI_MSIX_ENTRY_DATA = 8;
export const PCI_MSIX_ENTRY_VECTOR_CTRL = 12;
export const PCI_MSIX_ENTRY_CTRL_MASKBIT = 1;

export interface MsixOptions {
  vectors: number;
  /** BAR index and offset of the table and of the PBA (offsets 8-byte aligned). */
  tableBar: number;
  tableOffset: number;
  pbaBar: number;
  pbaOffset: number;
  at?: number;
}

/** The table and PBA of one function, as they sit in its BAR. */
export class MsixTable {
  /** 4 u32 per vector: address lo, address hi, data, vector control. */
  readonly table: Uint32Array;
  readonly pba: Uint32Array;
  /** Messages sent; pending ones are delivered on unmask. */
  sent = 0;

  constructor(
    readonly fn: PciFunction,
    readonly capAt: number,
    readonly opts: MsixOptions,
    /** Sends a message (the bus write an MSI is). */
    public deliver: (fn: PciFunction, address: number, data: number) => void = () => {},
  ) {
    this.table = new Uint32Array(opts.vectors * 4);
    for (let v = 0; v < opts.vectors; v++) this.table[v * 4 + 3] = PCI_MSIX_ENTRY_CTRL_MASKBIT; // reset: masked
    this.pba = new Uint32Array(Math.ceil(opts.vectors / 32) * 2);
  }

  get vectors(): number {
    return this.opts.vectors;
  }

  private flags(): number {
    return this.fn.cfg.get16(this.capAt + PCI_MSIX_FLAGS);
  }

  get enabled(): boolean {
    return (this.flags() & PCI_MSIX_FLAGS_ENABLE) !== 0;
  }

  private masked(v: number): boolean {
    return (
      (this.flags() & PCI_MSIX_FLAGS_MASKALL) !== 0 ||
      (this.table[v * 4 + 3] & PCI_MSIX_ENTRY_CTRL_MASKBIT) !== 0
    );
  }

  /** Signals vector `v`: sends its message, or records it pending when masked. */
  notify(v: number): boolean {
    if (v < 0 || v >= this.opts.vectors) return false;
    if (this.masked(v)) {
      this.pba[v >> 5] |= 1 << (v & 31);
      return false;
    }
    this.send(v);
    return true;
  }

  private send(v: number): void {
    this.sent++;
    const addr = this.table[v * 4 + 1] * 2 ** 32 + this.table[v * 4];
    this.deliver(this.fn, addr, this.table[v * 4 + 2]);
  }

  /** Sends every pending vector that is now unmasked (§6.8.2.9). */
  flushPending(): void {
    for (let v = 0; v < this.opts.vectors; v++) {
      const w = v >> 5;
      const bit = 1 << (v & 31);
      if (this.pba[w] & bit && !this.masked(v)) {
        this.pba[w] &= ~bit;
        this.send(v);
      }
    }
  }

  /** MMIO read at `off` bytes from the BAR start (4-byte accesses). */
  mmioRead(bar: number, off: number): number | null {
    const o = this.opts;
    if (bar === o.tableBar && off >= o.tableOffset && off < o.tableOffset + o.vectors * 16)
      return this.table[(off - o.tableOffset) >> 2];
    if (bar === o.pbaBar && off >= o.pbaOffset && off < o.pbaOffset + this.pba.length * 4)
      return this.pba[(off - o.pbaOffset) >> 2];
    return null;
  }

  /** MMIO write; the PBA is read-only. Unmasking a vector sends its pending message. */
  mmioWrite(bar: number, off: number, val: number): boolean {
    const o = this.opts;
    if (bar !== o.tableBar || off < o.tableOffset || off >= o.tableOffset + o.vectors * 16) return false;
    const i = (off - o.tableOffset) >> 2;
    this.table[i] = (i & 3) === 3 ? val & PCI_MSIX_ENTRY_CTRL_MASKBIT : (i & 3) === 0 ? val & ~3 : val >>> 0;
    if ((i & 3) === 3) this.flushPending();
    return true;
  }

  /** Function-level or conventional reset: every vector masked, nothing pending. */
  reset(): void {
    this.table.fill(0);
    for (let v = 0; v < this.opts.vectors; v++) this.table[v * 4 + 3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
    this.pba.fill(0);
  }
}

/** Adds the MSI-X capability and returns its table model. */
export function addMsixCap(fn: PciFunction, o: MsixOptions): MsixTable {
  const cfg: ConfigSpace = fn.cfg;
  if (o.vectors < 1 || o.vectors > 2048) throw new RangeError(`MSI-X vectors ${o.vectors} not in 1..2048`);
  const at = cfg.addCap(PCI_CAP_ID_MSIX, PCI_MSIX_SIZEOF, o.at);
  cfg.set16(at + PCI_MSIX_FLAGS, o.vectors - 1);
  cfg.mask(at + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
  cfg.set32(at + PCI_MSIX_TABLE, (o.tableOffset & ~7) | (o.tableBar & PCI_MSIX_BIR));
  cfg.set32(at + PCI_MSIX_PBA, (o.pbaOffset & ~7) | (o.pbaBar & PCI_MSIX_BIR));
  const t = new MsixTable(fn, at, o);
  fn.onWrite(at + PCI_MSIX_FLAGS, 2, () => t.flushPending());
  return t;
}
