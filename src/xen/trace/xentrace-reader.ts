/**
 * Reads xentrace files: the format xentrace writes (spec interfaces.md 1.5) from real Xen
 * (any version since per-CPU windows, 3.x on) and from xenlab. General on purpose, so
 * `xenlab trace` can read real Xen 4.17 traces: any event id, records with or without a
 * TSC (those without take the last TSC of their pCPU, as xenalyze does), WRAP fillers
 * skipped, LOST_RECORDS reported, windows of any size and order.
 *
 * The file is a sequence of windows, each a 12-byte TRC_TRACE_CPU_CHANGE record
 * {header 0x2001f003, s32 cpu, u32 size} and `size` bytes of struct t_rec for that pCPU.
 * A record is a header word (event bits 27..0, payload count N in 30..28, TSC flag in
 * bit 31), the 64-bit TSC (low word first) when flagged, and N payload words.
 */
import {
  TRACE_EXTRA_SHIFT,
  TRC_EVENT_MASK,
  TRC_HD_CYCLE_FLAG,
  TRC_LOST_RECORDS,
  TRC_TRACE_CPU_CHANGE,
  TRC_TRACE_WRAP_BUFFER,
} from "./trace-ids.js";

/** A malformed trace: says where (byte offset) and what. */
export class TraceFormatError extends Error {
  override name = "TraceFormatError";
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(`at byte ${offset}: ${message}`);
  }
}

/** One decoded record; the reader reuses the object, copy what you keep. */
export interface TraceRecord {
  cpu: number;
  /** TSC of the record (its own, or its pCPU's last one when it has none). */
  tsc: number;
  hasTsc: boolean;
  event: number;
  n: number;
  /** Payload words d1..dN (only the first n are meaningful). */
  readonly words: Uint32Array;
  /** Byte offset of the record in the file. */
  offset: number;
}

export interface TraceFileInfo {
  bytes: number;
  windows: number;
  records: number;
  /** WRAP_BUFFER fillers skipped. */
  wraps: number;
  /** Records Xen reported lost (sum of LOST_RECORDS counts). */
  lost: number;
  /** pCPUs seen in CPU_CHANGE records. */
  cpus: number[];
  firstTsc: number;
  lastTsc: number;
}

export function readXentrace(bytes: Uint8Array, onRecord: (r: TraceRecord) => void): TraceFileInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const info: TraceFileInfo = {
    bytes: bytes.length,
    windows: 0,
    records: 0,
    wraps: 0,
    lost: 0,
    cpus: [],
    firstTsc: Number.POSITIVE_INFINITY,
    lastTsc: 0,
  };
  const lastTsc = new Map<number, number>();
  const rec: TraceRecord = {
    cpu: 0,
    tsc: 0,
    hasTsc: false,
    event: 0,
    n: 0,
    words: new Uint32Array(7),
    offset: 0,
  };
  let off = 0;
  while (off < bytes.length) {
    if (off + 12 > bytes.length)
      throw new TraceFormatError(off, `truncated window header (${bytes.length - off} bytes left)`);
    const h = view.getUint32(off, true);
    if (
      (h & TRC_EVENT_MASK) !== TRC_TRACE_CPU_CHANGE ||
      (h & TRC_HD_CYCLE_FLAG) !== 0 ||
      h >>> TRACE_EXTRA_SHIFT !== 2
    )
      throw new TraceFormatError(
        off,
        `expected a TRC_TRACE_CPU_CHANGE window header 0x2001f003, found 0x${hex(h)}`,
      );
    const cpu = view.getInt32(off + 4, true);
    const size = view.getUint32(off + 8, true);
    if (cpu < 0 || cpu > 4095) throw new TraceFormatError(off + 4, `bad pCPU number ${cpu} in window header`);
    const end = off + 12 + size;
    if (end > bytes.length)
      throw new TraceFormatError(
        off + 8,
        `window of ${size} bytes for pCPU ${cpu} runs past the end of the file`,
      );
    if (!info.cpus.includes(cpu)) info.cpus.push(cpu);
    info.windows++;
    off += 12;
    while (off < end) {
      const hdr = view.getUint32(off, true);
      const n = (hdr >>> TRACE_EXTRA_SHIFT) & 7;
      const cycles = (hdr & TRC_HD_CYCLE_FLAG) !== 0;
      const size1 = 4 + (cycles ? 8 : 0) + 4 * n;
      if (off + size1 > end)
        throw new TraceFormatError(off, `record of ${size1} bytes crosses the end of its window`);
      const event = hdr & TRC_EVENT_MASK;
      let tsc = lastTsc.get(cpu) ?? 0;
      let p = off + 4;
      if (cycles) {
        tsc = view.getUint32(p, true) + view.getUint32(p + 4, true) * 0x100000000;
        p += 8;
        lastTsc.set(cpu, tsc);
      }
      if (event === TRC_TRACE_WRAP_BUFFER) {
        info.wraps++;
        off += size1;
        continue;
      }
      rec.cpu = cpu;
      rec.tsc = tsc;
      rec.hasTsc = cycles;
      rec.event = event;
      rec.n = n;
      rec.offset = off;
      for (let i = 0; i < n; i++) rec.words[i] = view.getUint32(p + 4 * i, true);
      if (event === TRC_LOST_RECORDS && n >= 1) info.lost += rec.words[0];
      if (cycles) {
        if (tsc < info.firstTsc) info.firstTsc = tsc;
        if (tsc > info.lastTsc) info.lastTsc = tsc;
      }
      info.records++;
      onRecord(rec);
      off += size1;
    }
  }
  if (info.records === 0) info.firstTsc = 0;
  return info;
}

/** Every record, copied (tests and small files). */
export interface DecodedRecord {
  cpu: number;
  tsc: number;
  event: number;
  words: number[];
}

export function decodeXentrace(bytes: Uint8Array): { info: TraceFileInfo; records: DecodedRecord[] } {
  const records: DecodedRecord[] = [];
  const info = readXentrace(bytes, (r) => {
    records.push({ cpu: r.cpu, tsc: r.tsc, event: r.event, words: Array.from(r.words.subarray(0, r.n)) });
  });
  return { info, records };
}

function hex(x: number): string {
  return (x >>> 0).toString(16).padStart(8, "0");
}
