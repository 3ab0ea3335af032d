/**
 * VT-d legacy-mode translation structures in their real bit layouts (VT-d spec 1.2
 * §9.1-9.3; Xen vtd/iommu.h struct root_entry, context_entry, dma_pte):
 *  - root table: one 4 KiB page of 256 x 128-bit entries indexed by bus; low u64 bit 0
 *    present, bits 63..12 context-table pointer; high u64 reserved;
 *  - context table: 256 x 128-bit entries indexed by devfn; low u64 bit 0 present, bit 1
 *    fault processing disable, bits 3..2 translation type (0 multi-level, 1 + device
 *    TLB, 2 pass-through), bits 63..12 second-level table root; high u64 bits 2..0
 *    address width (AGAW), bits 23..8 domain id;
 *  - second-level page table: 512 x 64-bit entries per level, 9 index bits per level
 *    from bit 12; bit 0 read, bit 1 write, bit 7 superpage, bit 11 snoop, bits 51..12
 *    address.
 * `SecondLevelTable` builds and edits a domain's page table as Xen's
 * intel_iommu_map_page / dma_pte_clear_one do.
 */
import { PAGE_SIZE, type PhysMem } from "./phys-mem.js";
import { agawLevels } from "./vtd-regs.js";

export const ROOT_ENTRY_SIZE = 16;
export const CONTEXT_ENTRY_SIZE = 16;
export const ROOT_PRESENT = 1;
export const CONTEXT_PRESENT = 1;
export const CONTEXT_FPD = 2;
export const CONTEXT_TT_SHIFT = 2;
export const CONTEXT_TT = { multiLevel: 0, devIotlb: 1, passThrough: 2 } as const;
export const DMA_PTE_READ = 1;
export const DMA_PTE_WRITE = 2;
export const DMA_PTE_SUPERPAGE = 1 << 7;
export const DMA_PTE_SNP = 1 << 11;
/** Reserved PTE bits 6..2 (must be 0 in a leaf or non-leaf entry, legacy mode). */
export const DMA_PTE_RSVD = 0x7c;
export const LEVEL_STRIDE = 9;
const TWO32 = 2 ** 32;
const PAGE_MASK_LO = 0xfffff000;

/** Address field (bits 51..12) of a 64-bit entry given as two halves. */
export function entryAddress(lo: number, hi: number): number {
  return (hi & 0xfffff) * TWO32 + ((lo & PAGE_MASK_LO) >>> 0);
}

export interface ContextEntry {
  present: boolean;
  faultDisable: boolean;
  translationType: number;
  root: number;
  addressWidth: number;
  domainId: number;
}

export function writeRootEntry(
  mem: PhysMem,
  rootTable: number,
  bus: number,
  contextTable: number | null,
): void {
  const a = rootTable + bus * ROOT_ENTRY_SIZE;
  mem.write64(a, contextTable === null ? 0 : contextTable + ROOT_PRESENT);
  mem.write64(a + 8, 0);
}

export function readRootEntry(
  mem: PhysMem,
  rootTable: number,
  bus: number,
): { present: boolean; contextTable: number; reservedSet: boolean } {
  const a = rootTable + bus * ROOT_ENTRY_SIZE;
  const lo = mem.read32(a);
  const hi = mem.read32(a + 4);
  const reservedSet = (lo & 0xffe) !== 0 || mem.read32(a + 8) !== 0 || mem.read32(a + 12) !== 0;
  return { present: (lo & ROOT_PRESENT) !== 0, contextTable: entryAddress(lo, hi), reservedSet };
}

export function writeContextEntry(mem: PhysMem, table: number, devfn: number, e: ContextEntry | null): void {
  const a = table + devfn * CONTEXT_ENTRY_SIZE;
  if (e === null) {
    mem.write64(a, 0);
    mem.write64(a + 8, 0);
    return;
  }
  const lo =
    (e.present ? CONTEXT_PRESENT : 0) |
    (e.faultDisable ? CONTEXT_FPD : 0) |
    (e.translationType << CONTEXT_TT_SHIFT);
  mem.write64(a, e.root + lo);
  mem.write64(a + 8, (e.addressWidth & 7) | ((e.domainId & 0xffff) << 8));
}

export function readContextEntry(
  mem: PhysMem,
  table: number,
  devfn: number,
): ContextEntry & { reservedSet: boolean } {
  const a = table + devfn * CONTEXT_ENTRY_SIZE;
  const lo = mem.read32(a);
  const hi = mem.read32(a + 4);
  const w2 = mem.read32(a + 8);
  return {
    present: (lo & CONTEXT_PRESENT) !== 0,
    faultDisable: (lo & CONTEXT_FPD) !== 0,
    translationType: (lo >> CONTEXT_TT_SHIFT) & 3,
    root: entryAddress(lo, hi),
    addressWidth: w2 & 7,
    domainId: (w2 >>> 8) & 0xffff,
    reservedSet: (lo & 0xff0) !== 0 || (w2 & 0xf8) !== 0 || w2 >>> 24 !== 0 || mem.read32(a + 12) !== 0,
  };
}

/** Index of `addr` in the table at `level` (1 = leaf, 4 KiB pages). */
export function levelIndex(addr: number, level: number): number {
  return Math.floor(addr / 2 ** (12 + (level - 1) * LEVEL_STRIDE)) & 0x1ff;
}

/** A domain's second-level page table (intel_iommu_map_page / dma_pte_clear_one). */
export class SecondLevelTable {
  readonly root: number;
  readonly levels: number;
  /** Leaf mappings currently present. */
  mapped = 0;

  constructor(
    private readonly mem: PhysMem,
    readonly addressWidth: number,
  ) {
    this.levels = agawLevels(addressWidth);
    this.root = mem.allocPage();
  }

  /** Maps the 4 KiB (or 2 MiB with `superpage`) page at `iova` to `hpa` with read/write bits. */
  map(iova: number, hpa: number, perms: number, superpage = false): void {
    const leafLevel = superpage ? 2 : 1;
    let table = this.root;
    for (let level = this.levels; level > leafLevel; level--) {
      const a = table + levelIndex(iova, level) * 8;
      const lo = this.mem.read32(a);
      if ((lo & 3) === 0) {
        const next = this.mem.allocPage();
        // Xen sets non-leaf entries readable and writable; the leaf decides.
        this.mem.write64(a, next + DMA_PTE_READ + DMA_PTE_WRITE);
        table = next;
      } else table = entryAddress(lo, this.mem.read32(a + 4));
    }
    const a = table + levelIndex(iova, leafLevel) * 8;
    if ((this.mem.read32(a) & 3) === 0) this.mapped++;
    this.mem.write64(a, hpa + (perms & 3) + (superpage ? DMA_PTE_SUPERPAGE : 0));
  }

  /** Clears the leaf entry for `iova` (if any); returns whether one was present. */
  unmap(iova: number): boolean {
    let table = this.root;
    for (let level = this.levels; level >= 1; level--) {
      const a = table + levelIndex(iova, level) * 8;
      const lo = this.mem.read32(a);
      if ((lo & 3) === 0) return false;
      if (level === 1 || lo & DMA_PTE_SUPERPAGE) {
        this.mem.write64(a, 0);
        this.mapped--;
        return true;
      }
      table = entryAddress(lo, this.mem.read32(a + 4));
    }
    return false;
  }

  /** Machine address of the leaf entry for `iova`, or null when a level above is absent. */
  leafEntry(iova: number): number | null {
    let table = this.root;
    for (let level = this.levels; level >= 1; level--) {
      const a = table + levelIndex(iova, level) * 8;
      const lo = this.mem.read32(a);
      if (level === 1 || lo & DMA_PTE_SUPERPAGE) return a;
      if ((lo & 3) === 0) return null;
      table = entryAddress(lo, this.mem.read32(a + 4));
    }
    return null;
  }

  /** Maps a contiguous range page by page: [gfn, gfn + count) -> [mfn, mfn + count). */
  mapRange(iova: number, hpa: number, bytes: number, perms: number): void {
    for (let off = 0; off < bytes; off += PAGE_SIZE) this.map(iova + off, hpa + off, perms);
  }
}
