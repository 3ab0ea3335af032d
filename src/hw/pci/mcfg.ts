/**
 * The ACPI MCFG table that describes ECAM windows to the OS (PCI Firmware spec 3.0
 * §4.1.2; ACPICA include/actbl1.h struct acpi_table_mcfg): the 36-byte SDT header
 * (signature "MCFG", length, revision 1, checksum making all bytes sum to 0, OEM id,
 * OEM table id, OEM revision, creator id and revision), 8 reserved bytes, then one
 * 16-byte allocation per segment: u64 base, u16 segment, u8 start bus, u8 end bus,
 * u32 reserved. Little-endian.
 */

export const MCFG_HEADER_SIZE = 36;
export const MCFG_ALLOCATION_SIZE = 16;

export interface McfgAllocation {
  base: number;
  segment: number;
  startBus: number;
  endBus: number;
}

export interface McfgIds {
  oemId: string;
  oemTableId: string;
  oemRevision: number;
  creatorId: string;
  creatorRevision: number;
}

export const XENLAB_MCFG_IDS: McfgIds = {
  oemId: "XENLAB",
  oemTableId: "XENLABPC",
  oemRevision: 1,
  creatorId: "XLAB",
  creatorRevision: 1,
};

export function buildMcfg(allocs: readonly McfgAllocation[], ids: McfgIds = XENLAB_MCFG_IDS): Uint8Array {
  const len = MCFG_HEADER_SIZE + 8 + MCFG_ALLOCATION_SIZE * allocs.length;
  const buf = Buffer.alloc(len);
  buf.write("MCFG", 0, "ascii");
  buf.writeUInt32LE(len, 4);
  buf.writeUInt8(1, 8);
  ascii(buf, ids.oemId, 10, 6);
  ascii(buf, ids.oemTableId, 16, 8);
  buf.writeUInt32LE(ids.oemRevision, 24);
  ascii(buf, ids.creatorId, 28, 4);
  buf.writeUInt32LE(ids.creatorRevision, 32);
  allocs.forEach((a, i) => {
    const o = MCFG_HEADER_SIZE + 8 + i * MCFG_ALLOCATION_SIZE;
    buf.writeBigUInt64LE(BigInt(a.base), o);
    buf.writeUInt16LE(a.segment, o + 8);
    buf.writeUInt8(a.startBus, o + 10);
    buf.writeUInt8(a.endBus, o + 11);
  });
  let sum = 0;
  for (const b of buf) sum = (sum + b) & 0xff;
  buf.writeUInt8((0x100 - sum) & 0xff, 9);
  return new Uint8Array(buf);
}

/** Parses an MCFG table; throws on a bad signature, length or checksum. */
export function parseMcfg(bytes: Uint8Array): McfgAllocation[] {
  const buf = Buffer.from(bytes);
  if (buf.length < MCFG_HEADER_SIZE + 8 || buf.toString("ascii", 0, 4) !== "MCFG")
    throw new Error("not an MCFG table");
  const len = buf.readUInt32LE(4);
  if (len !== buf.length) throw new Error(`MCFG length ${len} != ${buf.length} bytes`);
  let sum = 0;
  for (const b of buf) sum = (sum + b) & 0xff;
  if (sum !== 0) throw new Error("MCFG checksum does not sum to 0");
  const out: McfgAllocation[] = [];
  for (let o = MCFG_HEADER_SIZE + 8; o + MCFG_ALLOCATION_SIZE <= len; o += MCFG_ALLOCATION_SIZE)
    out.push({
      base: Number(buf.readBigUInt64LE(o)),
      segment: buf.readUInt16LE(o + 8),
      startBus: buf.readUInt8(o + 10),
      endBus: buf.readUInt8(o + 11),
    });
  return out;
}

function ascii(buf: Buffer, s: string, off: number, n: number): void {
  buf.write(s.padEnd(n, " ").slice(0, n), off, "ascii");
}
