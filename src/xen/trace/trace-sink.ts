/**
 * Where the scheduling core and the schedulers send trace records: Xen's `trace_var()`
 * with the payload as numbers (no objects), guarded by one boolean as Xen guards with
 * `tb_init_done` (STYLE.md 22). The XenTrace file writer is one sink, the run's in-memory
 * event log (used by tests to check the file) another; `TraceFanout` feeds several.
 *
 * Every record carries its pCPU (whose per-CPU buffer it goes to), the time in ns, the
 * event id and up to 7 payload words (u32; callers pass numbers, negative values are
 * written in two's complement as Xen's C casts would).
 */

export interface TraceSink {
  /** Whether anything listens: callers test this before building a record. */
  readonly on: boolean;
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
  ): void;
}

/** A sink that drops everything; `on` is false so callers skip the work. */
export const NO_TRACE: TraceSink = { on: false, rec() {} };

/**
 * The run's own event log: every record kept in typed columns (grown by doubling), so a
 * test can compare it, record by record, with what a trace file decodes to.
 */
export class TraceEventLog implements TraceSink {
  readonly on = true;
  length = 0;
  cpu = new Int32Array(1024);
  time = new Float64Array(1024);
  event = new Int32Array(1024);
  nWords = new Uint8Array(1024);
  /** 5 payload words per record (the most the host's records use). */
  words = new Float64Array(1024 * 5);

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
    if (this.length === this.cpu.length) this.grow();
    const i = this.length++;
    this.cpu[i] = cpu;
    this.time[i] = now;
    this.event[i] = event;
    this.nWords[i] = n;
    const w = i * 5;
    this.words[w] = d1 >>> 0;
    this.words[w + 1] = d2 >>> 0;
    this.words[w + 2] = d3 >>> 0;
    this.words[w + 3] = d4 >>> 0;
    this.words[w + 4] = d5 >>> 0;
  }

  payload(i: number): number[] {
    return Array.from(this.words.subarray(i * 5, i * 5 + this.nWords[i]));
  }

  private grow(): void {
    const n = this.cpu.length * 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.cpu = g(this.cpu, new Int32Array(n));
    this.time = g(this.time, new Float64Array(n));
    this.event = g(this.event, new Int32Array(n));
    this.nWords = g(this.nWords, new Uint8Array(n));
    this.words = g(this.words, new Float64Array(n * 5));
  }
}

/** Sends each record to several sinks. */
export class TraceFanout implements TraceSink {
  readonly on: boolean;
  constructor(private readonly sinks: readonly TraceSink[]) {
    this.on = sinks.some((s) => s.on);
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
    for (const s of this.sinks) if (s.on) s.rec(cpu, now, event, n, d1, d2, d3, d4, d5);
  }
}
