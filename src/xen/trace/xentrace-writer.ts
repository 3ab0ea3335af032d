/**
 * Writes a run as a xentrace file, byte for byte as Xen's xentrace tool would have
 * written it (spec interfaces.md 1.2, 1.4, 1.5; xen/common/trace.c, tools/xentrace/xentrace.c).
 *
 * Design. Each pCPU has a trace ring like Xen's per-CPU t_buf: `tbufPages` pages less
 * the 8-byte {cons, prod} header. Records are struct t_rec, little-endian: a header word
 * (event in bits 27..0, payload word count in 30..28, bit 31 when a TSC follows), the
 * 64-bit TSC at the host clock rate, then the payload. As in Xen, no record straddles
 * the end of the ring: a TRC_TRACE_WRAP_BUFFER filler (with a TSC when the gap needs
 * more than 7 words) takes the rest first. The xentrace consumer is modelled as keeping
 * up: it wakes every `pollNs` (100 ms, `-s`) or when a ring passes half full (VIRQ_TBUF),
 * and for every pCPU with new data writes a window: a 12-byte TRC_TRACE_CPU_CHANGE
 * record {0x2001f003, cpu, window size} followed by the raw ring bytes. So no records
 * are lost, and the file has no file header, as xentrace writes it.
 *
 * Records are appended in global time order, so a window flushed when the first record
 * at or after a poll instant arrives contains exactly what the ring held at that poll.
 */
import type { ByteSink } from "./byte-sink.js";
import {
  TRACE_EXTRA_MAX,
  TRACE_EXTRA_SHIFT,
  TRC_EVENT_MASK,
  TRC_HD_CYCLE_FLAG,
  TRC_SCHED_RUNSTATE_CHANGE,
  TRC_TRACE_CPU_CHANGE,
  TRC_TRACE_WRAP_BUFFER,
} from "./trace-ids.js";
import type { TraceSink } from "./trace-sink.js";
import { TscClock } from "./tsc.js";

/** xentrace's default per-CPU buffer size, in pages (DEFAULT_TBUF_SIZE, `-S`). */
export const XENTRACE_DEFAULT_TBUF_PAGES = 32;
/** xentrace's default poll period (POLL_SLEEP_MILLIS, `-s`): 100 ms. */
export const XENTRACE_POLL_NS = 100_000_000;
const PAGE_SIZE = 4096;
/** sizeof(struct t_buf): u32 cons, u32 prod. */
const T_BUF_HEADER = 8;
/** CPU_CHANGE_HEADER: TRC_TRACE_CPU_CHANGE with 2 payload words, no TSC. */
export const CPU_CHANGE_HEADER = (TRC_TRACE_CPU_CHANGE | (2 << TRACE_EXTRA_SHIFT)) >>> 0;

class CpuRing {
  buf: Uint8Array;
  view: DataView;
  /** Bytes waiting for the consumer. */
  len = 0;
  /** Producer position in the ring, 0..dataSize-1. */
  pos = 0;
  constructor() {
    this.buf = new Uint8Array(4096);
    this.view = new DataView(this.buf.buffer);
  }
  reserve(n: number): number {
    if (this.len + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.len;
    this.len += n;
    return at;
  }
}

export interface XentraceWriterOptions {
  nrCpus: number;
  clockHz: number;
  tbufPages?: number;
  pollNs?: number;
  /** Event mask (xentrace -e); records whose class/subclass/event do not match are dropped. */
  eventMask?: number;
  /** TSC at simulated time 0 (default: one second of cycles, the host having booted earlier). */
  tscBase?: number;
}

export class XentraceWriter implements TraceSink {
  readonly on = true;
  private readonly rings: CpuRing[] = [];
  private readonly dataSize: number;
  private readonly halfFull: number;
  private readonly pollNs: number;
  private nextPoll: number;
  private readonly tsc: TscClock;
  private readonly mask: number;
  private readonly tscBase: number;
  /** Records written (wrap fillers included) and windows written. */
  records = 0;
  windows = 0;
  bytes = 0;
  /** Per ring: ns and cycle of its last record (a ring's TSCs never decrease). */
  private readonly ringNs: Float64Array;
  private readonly ringCycle: Float64Array;
  /** Per vCPU (keyed by the runstate record's dom/vcpu word): ns, cycle and ring of its last runstate record. */
  private readonly vcpuLast = new Map<number, { ns: number; cycle: number; cpu: number }>();
  private readonly hdr = new Uint8Array(12);
  private readonly hdrView = new DataView(this.hdr.buffer);

  constructor(
    private readonly sink: ByteSink,
    opts: XentraceWriterOptions,
  ) {
    for (let c = 0; c < opts.nrCpus; c++) this.rings.push(new CpuRing());
    this.ringNs = new Float64Array(opts.nrCpus).fill(-1);
    this.ringCycle = new Float64Array(opts.nrCpus);
    this.dataSize = (opts.tbufPages ?? XENTRACE_DEFAULT_TBUF_PAGES) * PAGE_SIZE - T_BUF_HEADER;
    this.halfFull = this.dataSize >> 1;
    this.pollNs = opts.pollNs ?? XENTRACE_POLL_NS;
    this.nextPoll = this.pollNs;
    this.tsc = new TscClock(opts.clockHz);
    this.mask = opts.eventMask ?? 0x0ffff000;
    // xenalyze treats a TSC of 0 as "not seen yet", so a trace must not start at cycle 0.
    this.tscBase = opts.tscBase ?? opts.clockHz;
  }

  /** trace(): whether Xen's mask test passes (xen/common/trace.c). */
  private wanted(event: number): boolean {
    const m = this.mask;
    return (
      (m & event) !== 0 &&
      ((m >>> 16) & (event >>> 16) & 0xfff) !== 0 &&
      ((m >>> 12) & (event >>> 12) & 0xf) !== 0
    );
  }

  rec(
    cpu: number,
    now: number,
    event: number,
    n: number,
    d1: number,
    d2: number,
    d3: number,
    d4: number,
    d5: number,
  ): void {
    if (now >= this.nextPoll) this.poll(now);
    if (!this.wanted(event)) return;
    const ring = this.rings[cpu];
    const size = 12 + 4 * n;
    const left = this.dataSize - ring.pos;
    if (size > left) this.wrap(ring, left, now);
    const at = ring.reserve(size);
    const v = ring.view;
    const tsc = this.tscBase + this.cycleFor(cpu, now, event, d1);
    v.setUint32(at, ((event & TRC_EVENT_MASK) | (n << TRACE_EXTRA_SHIFT) | TRC_HD_CYCLE_FLAG) >>> 0, true);
    v.setUint32(at + 4, tsc % 0x100000000, true);
    v.setUint32(at + 8, Math.floor(tsc / 0x100000000), true);
    if (n > 0) v.setUint32(at + 12, d1 >>> 0, true);
    if (n > 1) v.setUint32(at + 16, d2 >>> 0, true);
    if (n > 2) v.setUint32(at + 20, d3 >>> 0, true);
    if (n > 3) v.setUint32(at + 24, d4 >>> 0, true);
    if (n > 4) v.setUint32(at + 28, d5 >>> 0, true);
    ring.pos += size;
    this.records++;
    if (ring.len >= this.halfFull) this.flushAll();
  }

  /**
   * The TSC offset of a record at `now` on ring `cpu`.
   *
   * In the simulation, events at the same ns still happen in a causal order: a vCPU
   * descheduled on one pCPU is picked up by another "at the same time". Real Xen never
   * writes such a pair with equal TSCs, and xenalyze, which merges the per-pCPU streams by
   * TSC, fails on a vCPU seen running on its new pCPU before it stopped on the old one.
   * So the cycles within one ns are used as ranks: a runstate record of a vCPU whose last
   * runstate record was on another ring at the same ns gets a later cycle, and a ring's
   * cycles never decrease. Every cycle stays in the ns's own range
   * (toTsc(now - 1), toTsc(now)], so TscClock.toNs still recovers `now` exactly. At
   * 2.4 GHz a ns has two or three cycles; past them the order is a tie, as before.
   */
  private cycleFor(cpu: number, now: number, event: number, d1: number): number {
    const hi = this.tsc.toTsc(now);
    let c = now > 0 ? this.tsc.toTsc(now - 1) + 1 : 0;
    if (this.ringNs[cpu] === now && this.ringCycle[cpu] > c) c = this.ringCycle[cpu];
    if ((event & ~0xff0) === TRC_SCHED_RUNSTATE_CHANGE) {
      const last = this.vcpuLast.get(d1);
      if (last !== undefined && last.ns === now && last.cpu !== cpu && last.cycle + 1 > c) c = last.cycle + 1;
      if (c > hi) c = hi;
      if (last === undefined) this.vcpuLast.set(d1, { ns: now, cycle: c, cpu });
      else {
        last.ns = now;
        last.cycle = c;
        last.cpu = cpu;
      }
    }
    if (c > hi) c = hi;
    this.ringNs[cpu] = now;
    this.ringCycle[cpu] = c;
    return c;
  }

  /** insert_wrap_record: fill the `left` bytes before the ring's end. */
  private wrap(ring: CpuRing, left: number, now: number): void {
    let extra = left - 4;
    let cycles = false;
    if (extra / 4 > TRACE_EXTRA_MAX) {
      cycles = true;
      extra -= 8;
    }
    const at = ring.reserve(left);
    const v = ring.view;
    ring.buf.fill(0, at, at + left);
    const header =
      TRC_TRACE_WRAP_BUFFER | ((extra / 4) << TRACE_EXTRA_SHIFT) | (cycles ? TRC_HD_CYCLE_FLAG : 0);
    v.setUint32(at, header >>> 0, true);
    if (cycles) {
      const tsc = this.tscBase + this.tsc.toTsc(now);
      v.setUint32(at + 4, tsc % 0x100000000, true);
      v.setUint32(at + 8, Math.floor(tsc / 0x100000000), true);
    }
    ring.pos = 0;
    this.records++;
  }

  /** The consumer's periodic pass (and any it missed while nothing was traced). */
  private poll(now: number): void {
    this.flushAll();
    this.nextPoll = (Math.floor(now / this.pollNs) + 1) * this.pollNs;
  }

  /** One xentrace pass: a window per pCPU with data, in pCPU order. */
  private flushAll(): void {
    for (let cpu = 0; cpu < this.rings.length; cpu++) {
      const ring = this.rings[cpu];
      if (ring.len === 0) continue;
      this.hdrView.setUint32(0, CPU_CHANGE_HEADER, true);
      this.hdrView.setInt32(4, cpu, true);
      this.hdrView.setUint32(8, ring.len, true);
      this.sink.write(this.hdr);
      this.sink.write(ring.buf.subarray(0, ring.len));
      this.bytes += 12 + ring.len;
      this.windows++;
      ring.len = 0;
    }
  }

  /** xentrace exiting: the last pass, then the file is complete. */
  close(): void {
    this.flushAll();
    this.sink.close();
  }
}
