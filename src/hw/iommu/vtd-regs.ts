/**
 * Register map and bit layouts of an Intel VT-d DMA remapping hardware unit (Intel VT-d
 * spec rev 1.2, ch. 10; Xen xen/drivers/passthrough/vtd/iommu.h, whose names these
 * are), plus the capability values of the unit we model: a 2009 Tylersburg-class IOMMU
 * with 48-bit (4-level) and 39-bit (3-level) address widths, 2 MiB superpages, 256
 * domain ids, 8 fault recording registers, interrupt remapping, pass-through, snoop
 * control, queued invalidation.
 */

export const DMAR_VER_REG = 0x0;
export const DMAR_CAP_REG = 0x8;
export const DMAR_ECAP_REG = 0x10;
export const DMAR_GCMD_REG = 0x18;
export const DMAR_GSTS_REG = 0x1c;
export const DMAR_RTADDR_REG = 0x20;
export const DMAR_CCMD_REG = 0x28;
export const DMAR_FSTS_REG = 0x34;
export const DMAR_FECTL_REG = 0x38;
export const DMAR_FEDATA_REG = 0x3c;
export const DMAR_FEADDR_REG = 0x40;
export const DMAR_FEUADDR_REG = 0x44;
export const DMAR_IQH_REG = 0x80;
export const DMAR_IQT_REG = 0x88;
export const DMAR_IQA_REG = 0x90;
export const DMAR_IRTA_REG = 0xb8;

// GCMD / GSTS bits (the same positions in both).
export const DMA_GCMD_TE = 1 << 31;
export const DMA_GCMD_SRTP = 1 << 30;
export const DMA_GCMD_QIE = 1 << 26;
export const DMA_GCMD_IRE = 1 << 25;
export const DMA_GCMD_SIRTP = 1 << 24;
export const DMA_GCMD_CFI = 1 << 23;
export const DMA_GSTS_TES = DMA_GCMD_TE;
export const DMA_GSTS_RTPS = DMA_GCMD_SRTP;
export const DMA_GSTS_IRES = DMA_GCMD_IRE;
export const DMA_GSTS_IRTPS = DMA_GCMD_SIRTP;

// FSTS bits.
export const DMA_FSTS_PFO = 1 << 0;
export const DMA_FSTS_PPF = 1 << 1;
export const DMA_FSTS_FRI_SHIFT = 8;
// FECTL bits.
export const DMA_FECTL_IM = 1 << 31;
export const DMA_FECTL_IP = 1 << 30;
/** FRCD high DWORD (offset +12): F bit 31, type bit 30 (1 = read), reason 7..0. */
export const DMA_FRCD_F = 1 << 31;
export const DMA_FRCD_T_READ = 1 << 30;
export const PRIMARY_FAULT_REG_LEN = 16;

/** Fault reasons (VT-d spec 1.2 appendix A; Linux dma_remap_fault_reasons). */
export const VTD_FAULT = {
  rootNotPresent: 0x1,
  contextNotPresent: 0x2,
  contextInvalid: 0x3,
  beyondMgaw: 0x4,
  writeDenied: 0x5,
  readDenied: 0x6,
  nextTableInvalid: 0x7,
  rootTableInvalid: 0x8,
  contextTableInvalid: 0x9,
  rootReserved: 0xa,
  contextReserved: 0xb,
  pteReserved: 0xc,
  // Interrupt remapping faults.
  irReserved: 0x20,
  irIndexBeyondSize: 0x21,
  irEntryNotPresent: 0x22,
  irTableAccess: 0x23,
  irEntryReserved: 0x24,
  irCompatBlocked: 0x25,
  irSourceIdInvalid: 0x26,
} as const;
export type VtdFaultReason = (typeof VTD_FAULT)[keyof typeof VTD_FAULT];

export const VTD_FAULT_TEXT: Record<number, string> = {
  1: "Present bit in root entry is clear",
  2: "Present bit in context entry is clear",
  3: "Invalid context entry",
  4: "Access beyond MGAW",
  5: "PTE Write access is not set",
  6: "PTE Read access is not set",
  7: "Next page table ptr is invalid",
  8: "Root table address invalid",
  9: "Context table ptr is invalid",
  10: "non-zero reserved fields in RTP",
  11: "non-zero reserved fields in CTP",
  12: "non-zero reserved fields in PTE",
  32: "Detected reserved fields in the decoded interrupt-remapped request",
  33: "Interrupt index exceeded the interrupt-remapping table size",
  34: "Present field in the IRTE entry is clear",
  35: "Error accessing interrupt-remapping table pointed by IRTA_REG",
  36: "Detected reserved fields in the IRTE entry",
  37: "Blocked a compatibility format interrupt request",
  38: "Blocked an interrupt request due to source-id verification failure",
};

/** Our unit's capability register fields (cap_* in iommu.h). */
export const VTD_UNIT = {
  version: 0x10, // 1.0
  nd: 2, // cap_ndoms = 2^(4 + 2*2) = 256 domain ids
  sagaw: 0b00110, // 39-bit 3-level (bit 1) and 48-bit 4-level (bit 2)
  mgaw: 48,
  faultRecordOffset: 0x200, // cap_fault_reg_offset (multiple of 16)
  faultRecords: 8,
  superpage2M: true,
  iotlbOffset: 0x280,
} as const;

/** AGAW encodings (context entry AW field): 1 = 39-bit 3-level, 2 = 48-bit 4-level. */
export const AGAW_39 = 1;
export const AGAW_48 = 2;
export const agawLevels = (aw: number): number => aw + 2;
export const agawWidth = (aw: number): number => 30 + 9 * aw;

/** The 64-bit CAP value as [lo, hi] 32-bit halves. */
export function capValue(): [number, number] {
  const u = VTD_UNIT;
  const lo = (u.nd | (u.sagaw << 8) | ((u.mgaw - 1) << 16) | ((u.faultRecordOffset / 16) << 24)) >>> 0;
  const froHigh = (u.faultRecordOffset / 16) >> 8; // bits 33..32 of FRO
  const hi =
    (froHigh | ((u.superpage2M ? 1 : 0) << 2) | (1 << 7) /* PSI */ | ((u.faultRecords - 1) << 8)) >>> 0;
  return [lo, hi];
}

/** ECAP: coherent, queued invalidation, interrupt remapping, pass-through, snoop control, IRO. */
export function ecapValue(): [number, number] {
  const lo = (1 | (1 << 1) | (1 << 3) | (1 << 6) | (1 << 7) | ((VTD_UNIT.iotlbOffset / 16) << 8)) >>> 0;
  return [lo, 0];
}
