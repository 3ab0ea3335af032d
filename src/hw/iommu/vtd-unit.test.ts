import { describe, expect, it } from "vitest";
import { PhysMem } from "./phys-mem.js";
import { remappableMsi, writeIrte } from "./vtd-irte.js";
import {
  AGAW_39,
  AGAW_48,
  DMA_FECTL_IM,
  DMA_FECTL_IP,
  DMA_FSTS_PFO,
  DMA_FSTS_PPF,
  DMA_GCMD_IRE,
  DMA_GCMD_SIRTP,
  DMA_GCMD_SRTP,
  DMA_GCMD_TE,
  DMAR_CAP_REG,
  DMAR_ECAP_REG,
  DMAR_FECTL_REG,
  DMAR_FSTS_REG,
  DMAR_GCMD_REG,
  DMAR_GSTS_REG,
  DMAR_IRTA_REG,
  DMAR_RTADDR_REG,
  VTD_FAULT,
  VTD_UNIT,
} from "./vtd-regs.js";
import {
  CONTEXT_TT,
  DMA_PTE_READ,
  DMA_PTE_WRITE,
  SecondLevelTable,
  writeContextEntry,
  writeRootEntry,
} from "./vtd-tables.js";
import { VtdUnit } from "./vtd-unit.js";

const RID = 0x0180; // 01:10.0
const MIB2 = 2 << 20;

/** A unit with a root table, one context table for bus 1, and translation on. */
function rig(aw = AGAW_48) {
  const mem = new PhysMem();
  const u = new VtdUnit(mem);
  const root = mem.allocPage();
  const ctx = mem.allocPage();
  writeRootEntry(mem, root, 1, ctx);
  const pt = new SecondLevelTable(mem, aw);
  const ctxEntry = (over: Partial<Parameters<typeof writeContextEntry>[3] & object> = {}) =>
    writeContextEntry(mem, ctx, RID & 0xff, {
      present: true,
      faultDisable: false,
      translationType: CONTEXT_TT.multiLevel,
      root: pt.root,
      addressWidth: aw,
      domainId: 7,
      ...over,
    });
  ctxEntry();
  u.write64(DMAR_RTADDR_REG, root);
  u.write32(DMAR_GCMD_REG, DMA_GCMD_SRTP);
  u.write32(DMAR_GCMD_REG, DMA_GCMD_TE);
  return { mem, u, root, ctx, pt, ctxEntry };
}

describe("VT-d registers", () => {
  it("reports the modelled capabilities in CAP/ECAP with Xen's field layout", () => {
    const u = new VtdUnit(new PhysMem());
    const cap = u.read64(DMAR_CAP_REG);
    expect(2 ** (4 + 2 * (cap % 8))).toBe(256); // cap_ndoms
    expect(Math.floor(cap / 2 ** 8) % 32).toBe(0b00110); // cap_sagaw
    expect((Math.floor(cap / 2 ** 16) % 64) + 1).toBe(48); // cap_mgaw
    expect((Math.floor(cap / 2 ** 24) % 1024) * 16).toBe(VTD_UNIT.faultRecordOffset);
    expect((Math.floor(cap / 2 ** 40) % 256) + 1).toBe(8); // cap_num_fault_regs
    expect(Math.floor(cap / 2 ** 34) % 2).toBe(1); // cap_sps_2mb
    const ecap = u.read64(DMAR_ECAP_REG);
    expect([0, 1, 3, 6, 7].map((b) => Math.floor(ecap / 2 ** b) % 2)).toEqual([1, 1, 1, 1, 1]); // C QI IR PT SC
  });

  it("GCMD is write-only; SRTP latches RTADDR (RTPS), TE sets TES, IRE needs its own bit", () => {
    const { u } = rig();
    expect(u.read32(DMAR_GCMD_REG)).toBe(0);
    expect((u.read32(DMAR_GSTS_REG) & (DMA_GCMD_TE | DMA_GCMD_SRTP)) >>> 0).toBe(
      (DMA_GCMD_TE | DMA_GCMD_SRTP) >>> 0,
    );
    expect(u.interruptRemappingEnabled).toBe(false);
    u.write32(DMAR_GCMD_REG, 0);
    expect(u.translationEnabled).toBe(false);
    u.write32(DMAR_CAP_REG, 0); // read-only
    expect(u.read64(DMAR_CAP_REG)).toBeGreaterThan(0);
  });
});

describe("VT-d DMA translation walks", () => {
  it("translates a 4 KiB mapping through root, context and 4 levels (48-bit AGAW)", () => {
    const { u, pt } = rig();
    pt.map(0x1234_5000, 0x8_0000_0000, DMA_PTE_READ | DMA_PTE_WRITE);
    expect(u.translate(RID, 0x1234_5678, true)).toEqual({ ok: true, hpa: 0x8_0000_0678, domainId: 7 });
  });

  it("translates through 3 levels with a 39-bit AGAW", () => {
    const { u, pt } = rig(AGAW_39);
    pt.map(0x7f_ffff_f000, 0x4000, DMA_PTE_READ);
    expect(u.translate(RID, 0x7f_ffff_f010, false)).toMatchObject({ ok: true, hpa: 0x4010 });
  });

  it("translates through a 2 MiB superpage", () => {
    const { u, pt } = rig();
    pt.map(4 * MIB2, 0x1_0000_0000, DMA_PTE_READ | DMA_PTE_WRITE, true);
    expect(u.translate(RID, 4 * MIB2 + 0x12345, false)).toMatchObject({ ok: true, hpa: 0x1_0001_2345 });
  });

  it("passes DMA through untranslated with translation off or a pass-through context", () => {
    const r = rig();
    r.ctxEntry({ translationType: CONTEXT_TT.passThrough });
    expect(r.u.translate(RID, 0xabc000, true)).toMatchObject({ ok: true, hpa: 0xabc000 });
    r.u.write32(DMAR_GCMD_REG, 0);
    expect(r.u.translate(0x0200, 0x5000, true)).toMatchObject({ ok: true, hpa: 0x5000 });
  });

  const faultCases: [string, (r: ReturnType<typeof rig>) => void, number, number, boolean][] = [
    ["root entry not present", () => {}, 0x0200, VTD_FAULT.rootNotPresent, true],
    ["context entry not present", () => {}, 0x0188, VTD_FAULT.contextNotPresent, true],
    ["unmapped page on write", () => {}, RID, VTD_FAULT.writeDenied, true],
    ["unmapped page on read", () => {}, RID, VTD_FAULT.readDenied, false],
    [
      "read-only page written",
      (r) => r.pt.map(0x5000, 0x9000, DMA_PTE_READ),
      RID,
      VTD_FAULT.writeDenied,
      true,
    ],
    ["address beyond the AGAW", () => {}, RID, VTD_FAULT.beyondMgaw, true],
    [
      "reserved translation type",
      (r) => r.ctxEntry({ translationType: 3 }),
      RID,
      VTD_FAULT.contextInvalid,
      true,
    ],
    [
      "unsupported address width",
      (r) => r.ctxEntry({ addressWidth: 3 }),
      RID,
      VTD_FAULT.contextInvalid,
      true,
    ],
    [
      "reserved PTE bits",
      (r) => {
        r.pt.map(0x5000, 0x9000, DMA_PTE_READ | DMA_PTE_WRITE);
        const e = r.pt.leafEntry(0x5000)!;
        r.mem.write32(e, r.mem.read32(e) | 0x10);
      },
      RID,
      VTD_FAULT.pteReserved,
      true,
    ],
  ];
  for (const [name, setup, rid, reason, write] of faultCases) {
    it(`records a fault for ${name} (reason 0x${reason.toString(16)})`, () => {
      const r = rig();
      setup(r);
      const addr = reason === VTD_FAULT.beyondMgaw ? 2 ** 48 : 0x5000;
      const res = r.u.translate(rid, addr, write);
      expect(res).toEqual({ ok: false, reason });
      const rec = r.u.faultRecord(0)!;
      expect(rec).toEqual({
        valid: true,
        sourceId: rid,
        reason,
        read: !write,
        address: addr - (addr % 4096),
      });
      expect(r.u.read32(DMAR_FSTS_REG) & DMA_FSTS_PPF).toBe(DMA_FSTS_PPF);
      expect((r.u.read32(DMAR_FSTS_REG) >> 8) & 0xff).toBe(1); // FRI advanced
    });
  }

  it("a context entry with Fault Processing Disable suppresses recording", () => {
    const r = rig();
    r.ctxEntry({ faultDisable: true });
    expect(r.u.translate(RID, 0x5000, true).ok).toBe(false);
    expect(r.u.faults).toBe(0);
    expect(r.u.faultRecord(0)?.valid).toBe(false);
  });
});

describe("VT-d fault recording", () => {
  it("fills the records in order, overflows into PFO, and software clears F (RW1C) and PFO", () => {
    const { u } = rig();
    for (let i = 0; i < VTD_UNIT.faultRecords + 2; i++) u.translate(0x0300 + i, 0x1000 * i, true);
    expect(u.droppedFaults).toBe(2);
    expect(u.read32(DMAR_FSTS_REG) & DMA_FSTS_PFO).toBe(DMA_FSTS_PFO);
    expect(u.faultRecord(7)?.sourceId).toBe(0x0307);
    const frcd = VTD_UNIT.faultRecordOffset;
    for (let i = 0; i < VTD_UNIT.faultRecords; i++) u.write32(frcd + 16 * i + 12, 0x80000000);
    u.write32(DMAR_FSTS_REG, DMA_FSTS_PFO);
    expect(u.read32(DMAR_FSTS_REG) & (DMA_FSTS_PFO | DMA_FSTS_PPF)).toBe(0);
    u.translate(0x0400, 0, true); // recording resumes at FRI (wrapped to 0)
    expect(u.faultRecord(0)?.sourceId).toBe(0x0400);
  });

  it("sends a fault event for the first pending fault when unmasked; while masked it sets IP and sends on unmask", () => {
    const { u } = rig();
    const events: number[] = [];
    u.onFaultEvent = (data) => events.push(data);
    u.write32(0x3c, 0x55); // FEDATA
    expect((u.read32(DMAR_FECTL_REG) & DMA_FECTL_IM) >>> 0).toBe(DMA_FECTL_IM >>> 0);
    u.translate(0x0200, 0, true);
    expect(events).toEqual([]);
    expect(u.read32(DMAR_FECTL_REG) & DMA_FECTL_IP).toBe(DMA_FECTL_IP);
    u.write32(DMAR_FECTL_REG, 0);
    expect(events).toEqual([0x55]);
    u.translate(0x0200, 0, true); // a fault is still pending: no second event
    expect(events).toEqual([0x55]);
  });
});

describe("VT-d interrupt remapping", () => {
  function irRig() {
    const r = rig();
    const table = r.mem.allocPage();
    r.u.write64(DMAR_IRTA_REG, table + 7); // 256 entries
    r.u.write32(DMAR_GCMD_REG, DMA_GCMD_SIRTP);
    r.u.write32(DMAR_GCMD_REG, DMA_GCMD_TE | DMA_GCMD_IRE);
    writeIrte(r.mem, table, 3, {
      present: true,
      faultDisable: false,
      destMode: 0,
      redirHint: false,
      trigger: 0,
      deliveryMode: 0,
      vector: 0x51,
      dest: 2,
      sourceId: RID,
      sq: 0,
      svt: 1,
    });
    return { ...r, table };
  }

  it("remaps a remappable-format MSI through its IRTE", () => {
    const { u } = irRig();
    const msi = remappableMsi(3);
    expect(msi.address).toBe(0xfee00070);
    expect(u.remapInterrupt(RID, msi.address, msi.data)).toEqual({
      ok: true,
      vector: 0x51,
      dest: 2,
      deliveryMode: 0,
    });
  });

  it("faults: compatibility format blocked, index beyond the table, entry not present, wrong source id", () => {
    const { u } = irRig();
    expect(u.remapInterrupt(RID, 0xfee02000, 0x41)).toEqual({ ok: false, reason: VTD_FAULT.irCompatBlocked });
    expect(u.remapInterrupt(RID, remappableMsi(300).address, 0)).toEqual({
      ok: false,
      reason: VTD_FAULT.irIndexBeyondSize,
    });
    expect(u.remapInterrupt(RID, remappableMsi(4).address, 0)).toEqual({
      ok: false,
      reason: VTD_FAULT.irEntryNotPresent,
    });
    expect(u.remapInterrupt(0x0182, remappableMsi(3).address, 0)).toEqual({
      ok: false,
      reason: VTD_FAULT.irSourceIdInvalid,
    });
    expect(u.faultRecord(3)?.reason).toBe(VTD_FAULT.irSourceIdInvalid);
  });

  it("with remapping off, compatibility MSIs pass through", () => {
    const { u } = rig();
    expect(u.remapInterrupt(RID, 0xfee01000, 0x4041)).toEqual({
      ok: true,
      vector: 0x41,
      dest: 1,
      deliveryMode: 0,
    });
  });
});

describe("VT-d persistence", () => {
  it("save/restore round-trips the registers, table pointers and fault records", () => {
    const r = rig();
    r.pt.map(0x5000, 0x9000, DMA_PTE_READ);
    r.u.translate(RID, 0x6000, true);
    const state = JSON.parse(JSON.stringify(r.u.save()));
    const u2 = VtdUnit.restore(r.mem, state);
    expect(u2.translate(RID, 0x5010, false)).toMatchObject({ ok: true, hpa: 0x9010 });
    expect(u2.faultRecord(0)).toEqual(r.u.faultRecord(0));
    expect(u2.read32(DMAR_FSTS_REG)).toBe(r.u.read32(DMAR_FSTS_REG));
  });
});
