/**
 * One VT-d DMA remapping hardware unit (a DRHD; VT-d spec 1.2 ch. 3, 5, 7, 10): its
 * register file, DMA address translation through the root, context and second-level
 * tables, interrupt remapping through the IRTE table, and primary fault recording.
 *
 * Translation (§3.3-3.6): with TE clear, DMA passes untranslated. Otherwise the root
 * entry for the requester's bus, the context entry for its devfn, then the page table
 * from the context's root, `AGAW + 2` levels of 9 bits each from the top, checking
 * presence (R|W), reserved bits and the access right at every level; a 2 MiB superpage
 * ends the walk early. A failing step records a fault with the reason code the spec
 * assigns (vtd-regs.ts VTD_FAULT) unless the context entry's FPD bit is set.
 *
 * Fault recording (§7.3): records live at cap_fault_reg_offset, 16 bytes each: FI
 * (page address, bits 63..12), SID (79..64), FR (103..96), T (126, 1 = read), F (127).
 * The next record index is FSTS.FRI; writing a record whose F is still set instead sets
 * FSTS.PFO and drops the fault. FSTS.PPF reads 1 while any F is set. A fault event
 * interrupt (FEDATA/FEADDR) is sent when the first pending fault appears and FECTL.IM is
 * clear; while masked, FECTL.IP holds it.
 *
 * No IOTLB or context cache is modelled: every access walks the tables, so the
 * invalidation commands (CCMD, IOTLB, queued) complete at once and change nothing.
 */
import type { PhysMem } from "./phys-mem.js";
import { msiHandle, readIrte } from "./vtd-irte.js";
import {
  agawLevels,
  agawWidth,
  capValue,
  DMA_FECTL_IM,
  DMA_FECTL_IP,
  DMA_FRCD_F,
  DMA_FRCD_T_READ,
  DMA_FSTS_FRI_SHIFT,
  DMA_FSTS_PFO,
  DMA_FSTS_PPF,
  DMA_GCMD_IRE,
  DMA_GCMD_SIRTP,
  DMA_GCMD_SRTP,
  DMA_GCMD_TE,
  DMAR_CAP_REG,
  DMAR_ECAP_REG,
  DMAR_FEADDR_REG,
  DMAR_FECTL_REG,
  DMAR_FEDATA_REG,
  DMAR_FSTS_REG,
  DMAR_GCMD_REG,
  DMAR_GSTS_REG,
  DMAR_IRTA_REG,
  DMAR_RTADDR_REG,
  DMAR_VER_REG,
  ecapValue,
  PRIMARY_FAULT_REG_LEN,
  VTD_FAULT,
  VTD_UNIT,
} from "./vtd-regs.js";
import {
  CONTEXT_ENTRY_SIZE,
  CONTEXT_FPD,
  CONTEXT_PRESENT,
  CONTEXT_TT,
  CONTEXT_TT_SHIFT,
  DMA_PTE_READ,
  DMA_PTE_RSVD,
  DMA_PTE_SUPERPAGE,
  DMA_PTE_WRITE,
  entryAddress,
  levelIndex,
  ROOT_ENTRY_SIZE,
  ROOT_PRESENT,
} from "./vtd-tables.js";

/** JSON-safe state of a unit (STYLE.md 14); table memory is saved with its PhysMem owner. */
export interface VtdUnitState {
  regs: number[];
  rootTable: number;
  irTable: number;
  irEntries: number;
  counters: { translations: number; faults: number; faultEvents: number; droppedFaults: number };
}

export type DmaResult = { ok: true; hpa: number; domainId: number } | { ok: false; reason: number };
export type IrResult =
  | { ok: true; vector: number; dest: number; deliveryMode: number }
  | { ok: false; reason: number };

export interface FaultRecord {
  sourceId: number;
  reason: number;
  /** Page address for DMA faults; the interrupt index << 48 ... (we keep the index) for IR faults. */
  address: number;
  read: boolean;
}

const TWO32 = 2 ** 32;

export class VtdUnit {
  /** Register file, 4 KiB, as 32-bit words. */
  private readonly regs = new Uint32Array(1024);
  private rootTable = 0;
  private irTable = 0;
  private irEntries = 0;
  /** Counters (for reports and benchmarks). */
  translations = 0;
  faults = 0;
  faultEvents = 0;
  droppedFaults = 0;
  /** Fault event interrupt sink (FEDATA/FEADDR message). */
  onFaultEvent: ((data: number, address: number) => void) | null = null;

  constructor(
    readonly mem: PhysMem,
    readonly name = "dmar0",
  ) {
    this.regs[DMAR_VER_REG >> 2] = VTD_UNIT.version;
    const [cl, ch] = capValue();
    this.regs[DMAR_CAP_REG >> 2] = cl;
    this.regs[(DMAR_CAP_REG >> 2) + 1] = ch;
    const [el, eh] = ecapValue();
    this.regs[DMAR_ECAP_REG >> 2] = el;
    this.regs[(DMAR_ECAP_REG >> 2) + 1] = eh;
    this.regs[DMAR_FECTL_REG >> 2] = DMA_FECTL_IM >>> 0; // reset: fault events masked
  }

  save(): VtdUnitState {
    return {
      regs: Array.from(this.regs),
      rootTable: this.rootTable,
      irTable: this.irTable,
      irEntries: this.irEntries,
      counters: {
        translations: this.translations,
        faults: this.faults,
        faultEvents: this.faultEvents,
        droppedFaults: this.droppedFaults,
      },
    };
  }

  static restore(mem: PhysMem, state: VtdUnitState, name = "dmar0"): VtdUnit {
    const u = new VtdUnit(mem, name);
    u.regs.set(state.regs);
    u.rootTable = state.rootTable;
    u.irTable = state.irTable;
    u.irEntries = state.irEntries;
    Object.assign(u, state.counters);
    return u;
  }

  // ---- register interface (32-bit accesses, as Xen's dmar_readl/dmar_writel) ----

  read32(off: number): number {
    if (off === DMAR_GCMD_REG) return 0; // write-only
    if (off === DMAR_FSTS_REG) return this.fsts();
    return this.regs[off >> 2];
  }

  write32(off: number, v: number): void {
    v >>>= 0;
    const frcdBase = VTD_UNIT.faultRecordOffset;
    if (off >= frcdBase && off < frcdBase + VTD_UNIT.faultRecords * PRIMARY_FAULT_REG_LEN) {
      if ((off - frcdBase) % 16 === 12 && v & DMA_FRCD_F) this.regs[off >> 2] &= ~DMA_FRCD_F; // RW1C
      return;
    }
    switch (off) {
      case DMAR_GCMD_REG:
        this.command(v);
        return;
      case DMAR_FSTS_REG:
        if (v & DMA_FSTS_PFO) this.regs[off >> 2] &= ~DMA_FSTS_PFO;
        return;
      case DMAR_FECTL_REG:
        this.fectl(v);
        return;
      case DMAR_VER_REG:
      case DMAR_CAP_REG:
      case DMAR_CAP_REG + 4:
      case DMAR_ECAP_REG:
      case DMAR_ECAP_REG + 4:
      case DMAR_GSTS_REG:
        return; // read-only
      default:
        this.regs[off >> 2] = v;
    }
  }

  read64(off: number): number {
    return this.read32(off + 4) * TWO32 + this.read32(off);
  }

  write64(off: number, v: number): void {
    this.write32(off, v % TWO32);
    this.write32(off + 4, Math.floor(v / TWO32));
  }

  get gsts(): number {
    return this.regs[DMAR_GSTS_REG >> 2];
  }
  get translationEnabled(): boolean {
    return (this.gsts & DMA_GCMD_TE) !== 0;
  }
  get interruptRemappingEnabled(): boolean {
    return (this.gsts & DMA_GCMD_IRE) !== 0;
  }

  /** GCMD: one command per write (§10.4.4); GSTS reflects it. */
  private command(v: number): void {
    const gsts = this.regs[DMAR_GSTS_REG >> 2];
    if (v & DMA_GCMD_SRTP) {
      this.rootTable = this.read64(DMAR_RTADDR_REG) - (this.read64(DMAR_RTADDR_REG) % 4096);
      this.regs[DMAR_GSTS_REG >> 2] = (gsts | DMA_GCMD_SRTP) >>> 0;
      return;
    }
    if (v & DMA_GCMD_SIRTP) {
      const irta = this.read64(DMAR_IRTA_REG);
      this.irTable = irta - (irta % 4096);
      this.irEntries = 2 ** ((irta % 16) + 1); // S field: 2^(S+1) entries
      this.regs[DMAR_GSTS_REG >> 2] = (gsts | DMA_GCMD_SIRTP) >>> 0;
      return;
    }
    const persistent = DMA_GCMD_TE | DMA_GCMD_IRE;
    this.regs[DMAR_GSTS_REG >> 2] =
      ((gsts & ~persistent) | (v & persistent) | (gsts & (DMA_GCMD_SRTP | DMA_GCMD_SIRTP))) >>> 0;
  }

  private fsts(): number {
    let ppf = false;
    const base = VTD_UNIT.faultRecordOffset >> 2;
    for (let i = 0; i < VTD_UNIT.faultRecords; i++) if (this.regs[base + i * 4 + 3] & DMA_FRCD_F) ppf = true;
    return (this.regs[DMAR_FSTS_REG >> 2] & ~DMA_FSTS_PPF) | (ppf ? DMA_FSTS_PPF : 0);
  }

  private fectl(v: number): void {
    const old = this.regs[DMAR_FECTL_REG >> 2];
    const masked = (v & DMA_FECTL_IM) !== 0;
    let next = (masked ? DMA_FECTL_IM : 0) | (old & DMA_FECTL_IP);
    if (!masked && next & DMA_FECTL_IP) {
      next &= ~DMA_FECTL_IP;
      this.sendFaultEvent();
    }
    this.regs[DMAR_FECTL_REG >> 2] = next >>> 0;
  }

  private sendFaultEvent(): void {
    this.faultEvents++;
    this.onFaultEvent?.(this.regs[DMAR_FEDATA_REG >> 2], this.regs[DMAR_FEADDR_REG >> 2]);
  }

  /** Records a primary fault (§7.3.1). */
  recordFault(f: FaultRecord): void {
    this.faults++;
    const fsts = this.regs[DMAR_FSTS_REG >> 2];
    const idx = (fsts >>> DMA_FSTS_FRI_SHIFT) & 0xff;
    const base = (VTD_UNIT.faultRecordOffset + idx * PRIMARY_FAULT_REG_LEN) >> 2;
    if (this.regs[base + 3] & DMA_FRCD_F) {
      this.regs[DMAR_FSTS_REG >> 2] = fsts | DMA_FSTS_PFO;
      this.droppedFaults++;
      return;
    }
    const firstPending = (this.fsts() & DMA_FSTS_PPF) === 0;
    const page = f.address - (f.address % 4096);
    this.regs[base] = page % TWO32;
    this.regs[base + 1] = Math.floor(page / TWO32);
    this.regs[base + 2] = f.sourceId & 0xffff;
    this.regs[base + 3] = (DMA_FRCD_F | (f.read ? DMA_FRCD_T_READ : 0) | (f.reason & 0xff)) >>> 0;
    const nextIdx = (idx + 1) % VTD_UNIT.faultRecords;
    this.regs[DMAR_FSTS_REG >> 2] =
      ((fsts & ~(0xff << DMA_FSTS_FRI_SHIFT)) | (nextIdx << DMA_FSTS_FRI_SHIFT)) >>> 0;
    if (!firstPending) return;
    const fectl = this.regs[DMAR_FECTL_REG >> 2];
    if (fectl & DMA_FECTL_IM) this.regs[DMAR_FECTL_REG >> 2] = (fectl | DMA_FECTL_IP) >>> 0;
    else this.sendFaultEvent();
  }

  /** Reads fault record `i` (what Xen's iommu_page_fault reads). */
  faultRecord(i: number): (FaultRecord & { valid: boolean }) | null {
    if (i < 0 || i >= VTD_UNIT.faultRecords) return null;
    const base = (VTD_UNIT.faultRecordOffset + i * PRIMARY_FAULT_REG_LEN) >> 2;
    const hi = this.regs[base + 3];
    return {
      valid: (hi & DMA_FRCD_F) !== 0,
      sourceId: this.regs[base + 2] & 0xffff,
      reason: hi & 0xff,
      read: (hi & DMA_FRCD_T_READ) !== 0,
      address: this.regs[base + 1] * TWO32 + this.regs[base],
    };
  }

  /**
   * Translates one DMA request; `record = false` probes without recording a fault (for
   * checks). Hot path (benchmark `vtd.translate`): no allocation beyond the result object.
   */
  translate(sourceId: number, iova: number, write: boolean, record = true): DmaResult {
    this.translations++;
    if (!this.translationEnabled) return { ok: true, hpa: iova, domainId: 0 };
    const fail = (reason: number, fpd = false): DmaResult => {
      if (!fpd && record) this.recordFault({ sourceId, reason, address: iova, read: !write });
      return { ok: false, reason };
    };
    // Hot path: read the 128-bit entries as 32-bit words, no objects (bench vtd.translate).
    const mem = this.mem;
    const ra = this.rootTable + (sourceId >> 8) * ROOT_ENTRY_SIZE;
    const r0 = mem.read32(ra);
    if ((r0 & ROOT_PRESENT) === 0) return fail(VTD_FAULT.rootNotPresent);
    if ((r0 & 0xffe) !== 0 || mem.read32(ra + 8) !== 0 || mem.read32(ra + 12) !== 0)
      return fail(VTD_FAULT.rootReserved);
    const ca = entryAddress(r0, mem.read32(ra + 4)) + (sourceId & 0xff) * CONTEXT_ENTRY_SIZE;
    const c0 = mem.read32(ca);
    if ((c0 & CONTEXT_PRESENT) === 0) return fail(VTD_FAULT.contextNotPresent);
    const c2 = mem.read32(ca + 8);
    const fpd = (c0 & CONTEXT_FPD) !== 0;
    if ((c0 & 0xff0) !== 0 || (c2 & 0xf8) !== 0 || c2 >>> 24 !== 0 || mem.read32(ca + 12) !== 0)
      return fail(VTD_FAULT.contextReserved, fpd);
    const tt = (c0 >> CONTEXT_TT_SHIFT) & 3;
    const aw = c2 & 7;
    const domainId = (c2 >>> 8) & 0xffff;
    if (tt === CONTEXT_TT.passThrough) return { ok: true, hpa: iova, domainId };
    if (tt > CONTEXT_TT.passThrough || ((VTD_UNIT.sagaw >> aw) & 1) === 0)
      return fail(VTD_FAULT.contextInvalid, fpd);
    if (iova >= 2 ** agawWidth(aw)) return fail(VTD_FAULT.beyondMgaw, fpd);
    const need = write ? DMA_PTE_WRITE : DMA_PTE_READ;
    let table = entryAddress(c0, mem.read32(ca + 4));
    for (let level = agawLevels(aw); level >= 1; level--) {
      const a = table + levelIndex(iova, level) * 8;
      const lo = mem.read32(a);
      if ((lo & need) === 0) return fail(write ? VTD_FAULT.writeDenied : VTD_FAULT.readDenied, fpd);
      if (lo & DMA_PTE_RSVD) return fail(VTD_FAULT.pteReserved, fpd);
      const addr = entryAddress(lo, mem.read32(a + 4));
      if (level === 1) return { ok: true, hpa: addr + (iova % 4096), domainId: domainId };
      if (lo & DMA_PTE_SUPERPAGE) {
        if (level !== 2 || !VTD_UNIT.superpage2M) return fail(VTD_FAULT.pteReserved, fpd);
        return { ok: true, hpa: addr + (iova % (2 << 20)), domainId: domainId };
      }
      table = addr;
    }
    return fail(VTD_FAULT.nextTableInvalid, fpd);
  }

  /**
   * Remaps one MSI write from `sourceId` (§5.3): compatibility-format MSIs pass when
   * remapping is off and are blocked (fault 0x25) when it is on; a remappable MSI's
   * handle indexes the IRTE table; the entry must be present, free of reserved bits, and
   * (SVT = 1) name the requester.
   */
  remapInterrupt(sourceId: number, address: number, data: number): IrResult {
    const handle = msiHandle(address, data);
    if (!this.interruptRemappingEnabled) {
      if (handle !== null) return { ok: false, reason: VTD_FAULT.irReserved };
      return { ok: true, vector: data & 0xff, dest: (address >>> 12) & 0xff, deliveryMode: (data >> 8) & 7 };
    }
    const fail = (reason: number): IrResult => {
      this.recordFault({ sourceId, reason, address: (handle ?? 0) * 4096, read: false });
      return { ok: false, reason };
    };
    if (handle === null) return fail(VTD_FAULT.irCompatBlocked);
    if (handle >= this.irEntries) return fail(VTD_FAULT.irIndexBeyondSize);
    const e = readIrte(this.mem, this.irTable, handle);
    if (!e.present) return fail(VTD_FAULT.irEntryNotPresent);
    if (e.reservedSet || e.posted) return fail(VTD_FAULT.irEntryReserved);
    if (e.svt === 1) {
      const mask = [0xffff, 0xfffb, 0xfff9, 0xfff8][e.sq];
      if ((sourceId & mask) !== (e.sourceId & mask)) return fail(VTD_FAULT.irSourceIdInvalid);
    }
    return { ok: true, vector: e.vector, dest: e.dest, deliveryMode: e.deliveryMode };
  }
}
