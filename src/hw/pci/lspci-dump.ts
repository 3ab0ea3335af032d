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
      for (let i = 0; i < 16 && off + i < e.bytes.length; i++) line += ` ${e.bytes[off + i].toString(16).padStart(2, "0")}`;
      out.push(line);
    }
    out.push("");
  }
  return `${out.join("\n")}\n`;
}
