/**
 * Decodes a raw configuration space image (a sysfs `config` file or one device of an
 * lspci hex dump) into the header, the capability list and the extended capability list,
 * with the field names and flag spellings `lspci -vvv` uses (pciutils lspci.c, ls-caps.c,
 * ls-ecaps.c) so the two can be compared line by line. It never trusts the image:
 *  - fewer than 64 bytes: error (not even a header);
 *  - a capability pointer into the header (< 0x40), past the end of the space, or a chain
 *    that revisits an offset: error naming the offset;
 *  - capabilities or extended space beyond the bytes available (a non-root sysfs read
 *    gives 64 bytes; conventional functions have 256): decoded as far as the bytes go,
 *    with a note, never an error.
 * Walks are bounded by the set of visited offsets, so no input can make it loop.
 */

import { type DecodedCap, decodeExtCap, decodeStdCap } from "./config-decode-caps.js";
import { PciDecodeError } from "./lspci-dump.js";
import {
  PCI_CAPABILITY_LIST,
  PCI_CLASS_PROG,
  PCI_COMMAND,
  PCI_EXT_CAP_START,
  PCI_HEADER_TYPE,
  PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN,
  PCI_LATENCY_TIMER,
  PCI_PRIMARY_BUS,
  PCI_REVISION_ID,
  PCI_SECONDARY_BUS,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
  PCI_SUBORDINATE_BUS,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
} from "./pci-regs.js";

export type { DecodedCap };

export interface DecodedRegion {
  index: number;
  kind: "memory" | "io";
  address: number;
  is64: boolean;
  prefetchable: boolean;
  /** lspci's rendering without the size (sizes come from sysfs, not config space). */
  text: string;
}

export interface DecodedFunction {
  vendor: number;
  device: number;
  revision: number;
  classCode: number;
  headerType: number;
  multifunction: boolean;
  command: number;
  status: number;
  controlLine: string;
  statusLine: string;
  latency: number;
  interruptPin: number;
  interruptLine: number;
  subsystem: { vendor: number; device: number } | null;
  bus: { primary: number; secondary: number; subordinate: number } | null;
  regions: DecodedRegion[];
  capabilities: DecodedCap[];
  extCapabilities: DecodedCap[];
  /** Bytes the image held. */
  available: number;
  notes: string[];
}

const flag = (v: number, bit: number): string => (v & bit ? "+" : "-");

export function controlLine(cmd: number): string {
  const names = [
    "I/O",
    "Mem",
    "BusMaster",
    "SpecCycle",
    "MemWINV",
    "VGASnoop",
    "ParErr",
    "Stepping",
    "SERR",
    "FastB2B",
    "DisINTx",
  ];
  return names.map((n, i) => `${n}${flag(cmd, 1 << i)}`).join(" ");
}

export function statusLine(st: number): string {
  const devsel = ["fast", "medium", "slow", "??"][(st >> 9) & 3];
  return (
    `Cap${flag(st, 0x10)} 66MHz${flag(st, 0x20)} UDF${flag(st, 0x40)} FastB2B${flag(st, 0x80)} ParErr${flag(st, 0x100)} ` +
    `DEVSEL=${devsel} >TAbort${flag(st, 0x800)} <TAbort${flag(st, 0x1000)} <MAbort${flag(st, 0x2000)} >SERR${flag(st, 0x4000)} ` +
    `<PERR${flag(st, 0x8000)} INTx${flag(st, 0x8)}`
  );
}

/** Little-endian reader over the available bytes; past the end reads as undefined. */
export class ConfigImage {
  constructor(readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  has(off: number, len: number): boolean {
    return off >= 0 && off + len <= this.bytes.length;
  }
  u8(off: number): number {
    return this.bytes[off];
  }
  u16(off: number): number {
    return this.bytes[off] | (this.bytes[off + 1] << 8);
  }
  u32(off: number): number {
    return (
      (this.bytes[off] |
        (this.bytes[off + 1] << 8) |
        (this.bytes[off + 2] << 16) |
        (this.bytes[off + 3] << 24)) >>>
      0
    );
  }
}

export function decodeConfig(bytes: Uint8Array): DecodedFunction {
  if (bytes.length < 64)
    throw new PciDecodeError(`config space is ${bytes.length} bytes; at least the 64-byte header is needed`);
  if (bytes.length > 4096)
    throw new PciDecodeError(`config space is ${bytes.length} bytes; at most 4096 exist`);
  const img = new ConfigImage(bytes);
  const headerType = img.u8(PCI_HEADER_TYPE);
  const command = img.u16(PCI_COMMAND);
  const status = img.u16(PCI_STATUS);
  const layout = headerType & 0x7f;
  const notes: string[] = [];
  const d: DecodedFunction = {
    vendor: img.u16(0),
    device: img.u16(2),
    revision: img.u8(PCI_REVISION_ID),
    classCode: img.u8(PCI_CLASS_PROG) | (img.u16(PCI_CLASS_PROG + 1) << 8),
    headerType: layout,
    multifunction: (headerType & 0x80) !== 0,
    command,
    status,
    controlLine: controlLine(command),
    statusLine: statusLine(status),
    latency: img.u8(PCI_LATENCY_TIMER),
    interruptPin: img.u8(PCI_INTERRUPT_PIN),
    interruptLine: img.u8(PCI_INTERRUPT_LINE),
    subsystem:
      layout === 0 ? { vendor: img.u16(PCI_SUBSYSTEM_VENDOR_ID), device: img.u16(PCI_SUBSYSTEM_ID) } : null,
    bus:
      layout === 1
        ? {
            primary: img.u8(PCI_PRIMARY_BUS),
            secondary: img.u8(PCI_SECONDARY_BUS),
            subordinate: img.u8(PCI_SUBORDINATE_BUS),
          }
        : null,
    regions: decodeRegions(img, layout === 0 ? 6 : layout === 1 ? 2 : 0, command),
    capabilities: [],
    extCapabilities: [],
    available: bytes.length,
    notes,
  };
  if (layout > 2) notes.push(`unknown header type ${layout}`);
  let express = false;
  if (status & PCI_STATUS_CAP_LIST) {
    d.capabilities = walkCaps(img, notes);
    express = d.capabilities.some((c) => c.id === 0x10 || c.id === 0x07);
  }
  if (express) d.extCapabilities = walkExtCaps(img, notes);
  return d;
}

function decodeRegions(img: ConfigImage, count: number, cmd: number): DecodedRegion[] {
  const out: DecodedRegion[] = [];
  for (let i = 0; i < count; i++) {
    const off = 0x10 + 4 * i;
    const lo = img.u32(off);
    if (lo === 0 || lo === 0xffffffff) continue;
    if (lo & 1) {
      const address = lo & 0xfffffffc;
      out.push({
        index: i,
        kind: "io",
        address,
        is64: false,
        prefetchable: false,
        text: `I/O ports at ${address.toString(16).padStart(4, "0")}${cmd & 1 ? "" : " [disabled]"}`,
      });
      continue;
    }
    const is64 = (lo & 6) === 4;
    const prefetchable = (lo & 8) !== 0;
    let address = (lo & 0xfffffff0) >>> 0;
    if (is64 && i + 1 < count) address += img.u32(off + 4) * 2 ** 32;
    const where = address === 0 ? "<unassigned>" : address.toString(16).padStart(8, "0");
    out.push({
      index: i,
      kind: "memory",
      address,
      is64,
      prefetchable,
      text: `Memory at ${where} (${is64 ? "64-bit" : "32-bit"}, ${prefetchable ? "prefetchable" : "non-prefetchable"})${cmd & 2 ? "" : " [disabled]"}`,
    });
    if (is64) i++;
  }
  return out;
}

function walkCaps(img: ConfigImage, notes: string[]): DecodedCap[] {
  const out: DecodedCap[] = [];
  const seen = new Set<number>();
  let off = img.u8(PCI_CAPABILITY_LIST) & 0xfc;
  while (off !== 0) {
    if (off < 0x40)
      throw new PciDecodeError(
        `capability pointer 0x${hex(off)} points into the standard header (must be 0x40..0xfc)`,
      );
    if (seen.has(off)) throw new PciDecodeError(`capability list loops back to 0x${hex(off)}`);
    seen.add(off);
    if (!img.has(off, 2)) {
      notes.push(
        `capabilities from 0x${hex(off)} on are beyond the ${img.size} bytes available (unprivileged sysfs reads give 64)`,
      );
      break;
    }
    const id = img.u8(off);
    if (id === 0xff) throw new PciDecodeError(`capability at 0x${hex(off)} has id 0xff (chain broken)`);
    out.push(decodeStdCap(img, off, id, notes));
    off = img.u8(off + 1) & 0xfc;
    if (off !== 0 && off + 2 > 256)
      throw new PciDecodeError(`capability pointer 0x${hex(off)} is past the 256-byte space`);
  }
  return out;
}

function walkExtCaps(img: ConfigImage, notes: string[]): DecodedCap[] {
  if (img.size < 4096) {
    notes.push(`extended configuration space (0x100-0xfff) not in the ${img.size} bytes available`);
    return [];
  }
  const out: DecodedCap[] = [];
  const seen = new Set<number>();
  let off = PCI_EXT_CAP_START;
  for (;;) {
    const h = img.u32(off);
    if (h === 0 || h === 0xffffffff) break;
    if (seen.has(off)) throw new PciDecodeError(`extended capability list loops back to 0x${hex(off)}`);
    seen.add(off);
    out.push(decodeExtCap(img, off, h & 0xffff, (h >>> 16) & 0xf, notes));
    const next = (h >>> 20) & 0xffc;
    if (next === 0) break;
    if (next < PCI_EXT_CAP_START)
      throw new PciDecodeError(
        `extended capability at 0x${hex(off)} points to 0x${hex(next)}, inside the standard space`,
      );
    off = next;
  }
  return out;
}

const hex = (n: number): string => n.toString(16);

/** lspci-like text for a decoded function (header lines first, then capabilities). */
export function renderDecoded(slot: string, d: DecodedFunction): string {
  const lines: string[] = [];
  const cls = d.classCode >> 8;
  lines.push(
    `${slot} Class [${cls.toString(16).padStart(4, "0")}]: Device [${hex4(d.vendor)}:${hex4(d.device)}]${d.revision ? ` (rev ${d.revision.toString(16).padStart(2, "0")})` : ""}${d.classCode & 0xff ? ` (prog-if ${(d.classCode & 0xff).toString(16).padStart(2, "0")})` : ""}`,
  );
  if (d.subsystem && (d.subsystem.vendor || d.subsystem.device))
    lines.push(`\tSubsystem: Device [${hex4(d.subsystem.vendor)}:${hex4(d.subsystem.device)}]`);
  lines.push(`\tControl: ${d.controlLine}`);
  lines.push(`\tStatus: ${d.statusLine}`);
  if (d.command & 0x4) lines.push(`\tLatency: ${d.latency}`);
  if (d.interruptPin)
    lines.push(
      `\tInterrupt: pin ${String.fromCharCode(64 + d.interruptPin)} routed to IRQ ${d.interruptLine}`,
    );
  if (d.bus)
    lines.push(
      `\tBus: primary=${hex2(d.bus.primary)}, secondary=${hex2(d.bus.secondary)}, subordinate=${hex2(d.bus.subordinate)}`,
    );
  for (const r of d.regions) lines.push(`\tRegion ${r.index}: ${r.text}`);
  for (const c of d.capabilities) {
    lines.push(`\tCapabilities: [${hex2(c.offset)}] ${c.title}`);
    for (const l of c.lines) lines.push(`\t\t${l}`);
  }
  for (const c of d.extCapabilities) {
    lines.push(`\tCapabilities: [${hex(c.offset)} v${c.version}] ${c.title}`);
    for (const l of c.lines) lines.push(`\t\t${l}`);
  }
  for (const n of d.notes) lines.push(`\tNote: ${n}`);
  return `${lines.join("\n")}\n`;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, "0");
const hex4 = (n: number): string => n.toString(16).padStart(4, "0");
