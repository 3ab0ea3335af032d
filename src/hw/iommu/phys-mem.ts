/**
 * Sparse host physical memory for the structures the IOMMU reads: root and context
 * tables, second-level page tables, the interrupt remapping table. Pages are allocated
 * on first touch as Uint32Array(1024), so a 64-bit entry is two 32-bit halves and every
 * address below 2^52 (VT-d's host address width limit) stays exact in a double.
 * A bump allocator hands out frames from a region reserved for Xen's own use.
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
const TWO32 = 2 ** 32;

export class PhysMem {
  private readonly pages = new Map<number, Uint32Array>();
  private nextFrame: number;

  /** @param allocBase first frame the allocator hands out (byte address, page aligned). */
  constructor(allocBase = 0x7f000000) {
    this.nextFrame = Math.floor(allocBase / PAGE_SIZE);
  }

  /** Allocates a zeroed frame for a table; returns its byte address. */
  allocPage(): number {
    const pfn = this.nextFrame++;
    this.pages.set(pfn, new Uint32Array(1024));
    return pfn * PAGE_SIZE;
  }

  /** Pages touched so far (tables and data). */
  get pageCount(): number {
    return this.pages.size;
  }

  private page(addr: number): Uint32Array {
    const pfn = Math.floor(addr / PAGE_SIZE);
    let p = this.pages.get(pfn);
    if (p === undefined) {
      p = new Uint32Array(1024);
      this.pages.set(pfn, p);
    }
    return p;
  }

  read32(addr: number): number {
    const p = this.pages.get(Math.floor(addr / PAGE_SIZE));
    return p === undefined ? 0 : p[(addr % PAGE_SIZE) >>> 2];
  }

  write32(addr: number, v: number): void {
    this.page(addr)[(addr % PAGE_SIZE) >>> 2] = v >>> 0;
  }

  /** Low and high halves of the 64-bit little-endian value at `addr` (8-byte aligned). */
  read64lo(addr: number): number {
    return this.read32(addr);
  }
  read64hi(addr: number): number {
    return this.read32(addr + 4);
  }

  /** A 64-bit value as a number (exact below 2^53). */
  read64(addr: number): number {
    return this.read32(addr + 4) * TWO32 + this.read32(addr);
  }

  write64(addr: number, v: number): void {
    this.write32(addr, v % TWO32);
    this.write32(addr + 4, Math.floor(v / TWO32));
  }

  /** Copies bytes in (for data the model places in memory, e.g. a VGA ROM image). */
  writeBytes(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += 4) {
      let v = 0;
      for (let j = 3; j >= 0; j--) v = (v << 8) | (bytes[i + j] ?? 0);
      this.write32(addr + i, v >>> 0);
    }
  }

  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const a = addr + i;
      const lane = a % 4; // not `& 3`: addresses go past 2^32
      out[i] = (this.read32(a - lane) >>> (8 * lane)) & 0xff;
    }
    return out;
  }
}
