/**
 * One function's configuration space with per-byte masks, after QEMU's hw/pci/pci.c
 * (`wmask`, `w1cmask`; pci_default_write_config) and the PCI Express Base spec §7.4
 * register attributes:
 *   RO    read-only: neither mask bit set; writes do nothing;
 *   RW    read-write: `wmask` bit set;
 *   RW1C  write-1-to-clear: `w1cmask` bit set; writing 1 clears, writing 0 keeps;
 *   RsvdP/RsvdZ  reserved: RO and 0 here (the model never sets them), so writes do nothing.
 * A guest write of `val` to byte i does `b = (b & ~wmask) | (val & wmask); b &= ~(val & w1cmask)`.
 *
 * Design: three Uint8Arrays the size of the space (256 or 4096 bytes). The device model
 * sets values and masks with `set*`/`mask` while it builds the function, then calls
 * `captureReset()`; `reset()` restores those bytes (a conventional or function-level reset).
 * Capabilities are appended with `addCap` (list from 0x34, in 0x40..0xff) and
 * `addExtCap` (list from 0x100, header id|version<<16|next<<20).
 *
 * Invariants: accesses are 1, 2 or 4 bytes and naturally aligned (PCI config cycles are
 * DWORD-based with byte enables; a misaligned access is a caller bug and throws); reads
 * past the end of a 256-byte space return all ones, as a conventional PCI function
 * answers an extended-space ECAM read (PCIe §7.2.2.2).
 */
import {
  PCI_CAP_LIST_NEXT,
  PCI_CAPABILITY_LIST,
  PCI_CFG_SPACE_EXP_SIZE,
  PCI_CFG_SPACE_SIZE,
  PCI_EXT_CAP_START,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
  PCI_STD_HEADER_SIZE,
} from "./pci-regs.js";

export type ConfigSize = typeof PCI_CFG_SPACE_SIZE | typeof PCI_CFG_SPACE_EXP_SIZE;
export type AccessLen = 1 | 2 | 4;

/** JSON-safe snapshot of the values (masks come from the device definition). */
export interface ConfigSpaceState {
  size: ConfigSize;
  /** Lowercase hex, two digits per byte. */
  data: string;
}

export class ConfigSpace {
  readonly data: Uint8Array;
  readonly wmask: Uint8Array;
  readonly w1cmask: Uint8Array;
  private resetImage: Uint8Array | null = null;
  /** Offset of the last standard capability (0: none yet). */
  private lastCap = 0;
  private nextCap = PCI_STD_HEADER_SIZE;
  private lastExt = 0;
  private nextExt = PCI_EXT_CAP_START;

  constructor(readonly size: ConfigSize) {
    this.data = new Uint8Array(size);
    this.wmask = new Uint8Array(size);
    this.w1cmask = new Uint8Array(size);
  }

  // ---- guest-visible accesses (what a config cycle does) ----

  /** A config read; past the end of the space, all ones. */
  read(off: number, len: AccessLen): number {
    checkAccess(off, len);
    if (off + len > this.size) return len === 4 ? 0xffffffff : (1 << (len * 8)) - 1;
    return this.get(off, len);
  }

  /** A config write, honouring the per-byte masks; past the end, ignored. */
  write(off: number, len: AccessLen, val: number): void {
    checkAccess(off, len);
    if (off + len > this.size) return;
    const d = this.data;
    for (let i = 0; i < len; i++) {
      const v = (val >>> (8 * i)) & 0xff;
      const a = off + i;
      const wm = this.wmask[a];
      d[a] = ((d[a] & ~wm) | (v & wm)) & ~(v & this.w1cmask[a]);
    }
  }

  // ---- model-side accessors (the hardware itself; masks do not apply) ----

  get(off: number, len: AccessLen): number {
    const d = this.data;
    if (len === 1) return d[off];
    if (len === 2) return d[off] | (d[off + 1] << 8);
    return (d[off] | (d[off + 1] << 8) | (d[off + 2] << 16) | (d[off + 3] << 24)) >>> 0;
  }

  get8(off: number): number {
    return this.data[off];
  }
  get16(off: number): number {
    return this.get(off, 2);
  }
  get32(off: number): number {
    return this.get(off, 4);
  }

  set(off: number, len: AccessLen, val: number): void {
    for (let i = 0; i < len; i++) this.data[off + i] = (val >>> (8 * i)) & 0xff;
  }
  set8(off: number, v: number): void {
    this.set(off, 1, v);
  }
  set16(off: number, v: number): void {
    this.set(off, 2, v);
  }
  set32(off: number, v: number): void {
    this.set(off, 4, v);
  }
  /** Sets bits `bits` of a register (hardware setting a status bit). */
  setBits(off: number, len: AccessLen, bits: number): void {
    this.set(off, len, this.get(off, len) | bits);
  }
  clearBits(off: number, len: AccessLen, bits: number): void {
    this.set(off, len, this.get(off, len) & ~bits);
  }

  /** Declares which bits of a register are RW (`w`) and which RW1C (`w1c`). */
  mask(off: number, len: AccessLen, w: number, w1c = 0): void {
    for (let i = 0; i < len; i++) {
      this.wmask[off + i] = (w >>> (8 * i)) & 0xff;
      this.w1cmask[off + i] = (w1c >>> (8 * i)) & 0xff;
    }
  }

  // ---- capability lists ----

  /**
   * Appends a standard capability of `size` bytes (DWORD aligned, in 0x40..0xff), links
   * it from the previous one (or from 0x34) and sets Status.CAP_LIST. Returns its offset.
   * `at` places it at a given offset (real devices' layouts), after the previous one.
   */
  addCap(id: number, size: number, at?: number): number {
    const off = at ?? this.nextCap;
    if (off < this.nextCap || off % 4 !== 0)
      throw new RangeError(`capability 0x${hex(id)} at 0x${hex(off)} overlaps`);
    if (off + size > PCI_CFG_SPACE_SIZE) throw new RangeError(`no room for capability 0x${hex(id)}`);
    this.set8(off, id);
    this.set8(off + PCI_CAP_LIST_NEXT, 0);
    if (this.lastCap === 0) {
      this.set8(PCI_CAPABILITY_LIST, off);
      this.setBits(PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
    } else this.set8(this.lastCap + PCI_CAP_LIST_NEXT, off);
    this.lastCap = off;
    this.nextCap = (off + size + 3) & ~3;
    return off;
  }

  /** Appends an extended capability (header id | version << 16 | next << 20). */
  addExtCap(id: number, version: number, size: number, at?: number): number {
    if (this.size !== PCI_CFG_SPACE_EXP_SIZE) throw new RangeError("extended capability in a 256-byte space");
    const off = at ?? this.nextExt;
    if (off < this.nextExt || off % 4 !== 0)
      throw new RangeError(`extended capability ${id} at 0x${hex(off)} overlaps`);
    if (off + size > PCI_CFG_SPACE_EXP_SIZE) throw new RangeError(`no room for extended capability ${id}`);
    this.set32(off, (id & 0xffff) | ((version & 0xf) << 16));
    if (this.lastExt !== 0) {
      const prev = this.get32(this.lastExt);
      this.set32(this.lastExt, ((prev & 0xfffff) | (off << 20)) >>> 0);
    }
    this.lastExt = off;
    this.nextExt = (off + size + 3) & ~3;
    return off;
  }

  /** Offset of the first standard capability with this id, or 0. Bounded walk (48 hops). */
  findCap(id: number): number {
    if ((this.get16(PCI_STATUS) & PCI_STATUS_CAP_LIST) === 0) return 0;
    let off = this.get8(PCI_CAPABILITY_LIST) & 0xfc;
    for (let hops = 0; off >= PCI_STD_HEADER_SIZE && hops < 48; hops++) {
      if (this.get8(off) === id) return off;
      off = this.get8(off + PCI_CAP_LIST_NEXT) & 0xfc;
    }
    return 0;
  }

  /** Offset of the first extended capability with this id, or 0. Bounded walk. */
  findExtCap(id: number): number {
    if (this.size !== PCI_CFG_SPACE_EXP_SIZE) return 0;
    let off = PCI_EXT_CAP_START;
    for (let hops = 0; off >= PCI_EXT_CAP_START && hops < 960; hops++) {
      const h = this.get32(off);
      if (h === 0) return 0;
      if ((h & 0xffff) === id) return off;
      off = (h >>> 20) & 0xffc;
    }
    return 0;
  }

  // ---- reset and persistence ----

  /** Records the current bytes as the reset values. */
  captureReset(): void {
    this.resetImage = this.data.slice();
  }

  /** Restores the reset values (conventional reset or FLR of the function). */
  reset(): void {
    if (this.resetImage === null) throw new Error("reset before captureReset");
    this.data.set(this.resetImage);
  }

  /** Reset value of a register. */
  resetValue(off: number, len: AccessLen): number {
    const img = this.resetImage ?? this.data;
    let v = 0;
    for (let i = len - 1; i >= 0; i--) v = (v << 8) | img[off + i];
    return v >>> 0;
  }

  save(): ConfigSpaceState {
    return { size: this.size, data: Buffer.from(this.data).toString("hex") };
  }

  /** Restores saved values into a space built with the same device definition. */
  restore(state: ConfigSpaceState): void {
    if (state.size !== this.size) throw new Error(`config space size ${state.size} != ${this.size}`);
    this.data.set(Buffer.from(state.data, "hex"));
  }
}

function checkAccess(off: number, len: number): void {
  if (!(len === 1 || len === 2 || len === 4) || off < 0 || off % len !== 0 || off > 0xfff)
    throw new RangeError(`bad config access: ${len} bytes at 0x${hex(off)}`);
}

function hex(n: number): string {
  return n.toString(16);
}
