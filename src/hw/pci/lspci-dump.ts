/**
 * Writes functions' configuration spaces in the text format of `lspci -xxxx` (pciutils
 * lspci.c show_hex_dump; read back by lib/dump.c, which `lspci -F <file>` uses): per
 * function a line "BB:DD.F description", then one line per 16 bytes, "%02x:" followed
 * by 16 x " %02x" (the offset prefix widens to 3 hex digits from 0x100), then a blank
 * line. 256-byte spaces produce 16 lines, 4096-byte spaces 256.
 */
import { type Bdf, formatBdf } from "./bdf.js";

export interface DumpEntry {
  bdf: Bdf;
  description: string;
  bytes: Uint8Array;
}

export function formatLspciDump(entries: readonly DumpEntry[]): string {
  const out: string[] = [];
  for (const e of entries) {
    out.push(`${formatBdf(e.bdf)} ${e.description}`);
    for (let off = 0; off < e.bytes.length; off += 16) {
      let line = `${off.toString(16).padStart(2, "0")}:`;
      for (let i = 0; i < 16 && off + i < e.bytes.length; i++)
        line += ` ${e.bytes[off + i].toString(16).padStart(2, "0")}`;
      out.push(line);
    }
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

/** A problem in an lspci dump or a config space image; `line` is 1-based, 0 when unknown. */
export class PciDecodeError extends Error {
  override name = "PciDecodeError";
  constructor(
    message: string,
    readonly line = 0,
    readonly column = 0,
  ) {
    super(message);
  }
}

export interface ParsedDumpEntry {
  /** "BB:DD.F" or "DDDD:BB:DD.F" as written. */
  slot: string;
  description: string;
  /** The bytes given (64, 256 or 4096 for a complete dump). */
  bytes: Uint8Array;
  line: number;
}

const DEVICE_LINE = /^((?:[0-9a-fA-F]{4,5}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])(?: (.*))?$/;
const HEX_LINE = /^([0-9a-fA-F]{2,8}):((?: [0-9a-fA-F]{2})*)\s*$/;

/**
 * Parses `lspci -x/-xxx/-xxxx` output (what pciutils lib/dump.c accepts): device lines,
 * hex lines with an offset, blank lines between devices. Verbose lines (tab-indented, from
 * `lspci -vvvxxx`) are skipped. Offsets must be 16-byte aligned and below 4096.
 */
export function parseLspciDump(text: string): ParsedDumpEntry[] {
  const out: ParsedDumpEntry[] = [];
  let cur: { e: ParsedDumpEntry; data: Uint8Array; len: number } | null = null;
  const finish = (): void => {
    if (cur !== null) {
      cur.e.bytes = cur.data.slice(0, cur.len);
      out.push(cur.e);
    }
    cur = null;
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.trim() === "") {
      finish();
      return;
    }
    const dev = DEVICE_LINE.exec(raw);
    if (dev !== null && !HEX_LINE.test(raw)) {
      finish();
      cur = {
        e: { slot: dev[1], description: dev[2] ?? "", bytes: new Uint8Array(0), line: n },
        data: new Uint8Array(4096),
        len: 0,
      };
      return;
    }
    if (raw.startsWith("\t") || raw.startsWith(" ")) return;
    const hex = HEX_LINE.exec(raw);
    if (hex === null)
      throw new PciDecodeError(`not an lspci dump line: ${JSON.stringify(raw.slice(0, 60))}`, n, 1);
    if (cur === null) throw new PciDecodeError('hex bytes before any device line ("BB:DD.F ...")', n, 1);
    const c: { e: ParsedDumpEntry; data: Uint8Array; len: number } = cur;
    const off = Number.parseInt(hex[1], 16);
    const bytes = hex[2].trim() === "" ? [] : hex[2].trim().split(" ");
    if (off % 16 !== 0) throw new PciDecodeError(`offset ${hex[1]} is not a multiple of 16`, n, 1);
    if (off + bytes.length > 4096)
      throw new PciDecodeError(`offset ${hex[1]} is past 4096 bytes of config space`, n, 1);
    if (off !== c.len)
      throw new PciDecodeError(
        `expected offset ${c.len.toString(16).padStart(2, "0")}, found ${hex[1]}`,
        n,
        1,
      );
    bytes.forEach((b, j) => {
      c.data[off + j] = Number.parseInt(b, 16);
    });
    c.len = off + bytes.length;
  });
  finish();
  return out;
}
