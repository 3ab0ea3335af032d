/**
 * Load generation for the xenstore benchmarks: many clients on a daemon's Unix socket,
 * each keeping `depth` requests in flight (closed loop), measuring throughput and
 * per-request latency (send to reply). The same code drives xenlab's daemon and, when
 * it can be started, Xen's C xenstored, so their ratio compares daemons, not clients.
 *
 * Hot path: requests are pre-encoded; a reply is matched to its send time by FIFO order
 * (xenstored answers a connection's requests in order); latencies go to a LogHistogram.
 */
import { createConnection, type Socket } from "node:net";
import { Worker } from "node:worker_threads";
import { LogHistogram } from "../kernel/log-histogram.js";
import { encodeMessage, XsType } from "../xen/xenstore/xs-wire.js";

export interface LoadResult {
  ops: number;
  seconds: number;
  opsPerS: number;
  p99Us: number;
  p50Us: number;
}

/** A raw connection: counts replies and watch events, timestamps requests FIFO. */
class LoadConn {
  private buf = Buffer.alloc(0);
  private readonly sent: number[] = [];
  onReply: (latencyNs: number, type: number) => void = () => {};
  onEvent: () => void = () => {};

  private constructor(private readonly s: Socket) {
    s.on("data", (chunk: Buffer) => this.data(chunk));
  }

  /**
   * Connects, retrying while the listen backlog is full (EAGAIN: C xenstored listens
   * with a small backlog, so many simultaneous connects overflow it).
   */
  static async open(path: string): Promise<LoadConn> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise<LoadConn>((resolve, reject) => {
          const s = createConnection(path);
          s.once("connect", () => {
            s.setNoDelay(true);
            resolve(new LoadConn(s));
          });
          s.once("error", reject);
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN" || attempt > 200) throw e;
        await sleep(10);
      }
    }
  }

  send(msg: Buffer): void {
    this.sent.push(performance.now());
    this.s.write(msg);
  }

  private data(chunk: Buffer): void {
    let b = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let off = 0;
    while (b.length - off >= 16) {
      const len = b.readUInt32LE(off + 12);
      if (b.length - off < 16 + len) break;
      const type = b.readUInt32LE(off);
      off += 16 + len;
      if (type === XsType.WATCH_EVENT) {
        this.onEvent();
        continue;
      }
      const t0 = this.sent.shift() ?? 0;
      this.onReply((performance.now() - t0) * 1e6, type);
    }
    b = b.subarray(off);
    this.buf = b.length ? Buffer.from(b) : Buffer.alloc(0);
  }

  /** One request, awaited (setup only). */
  request(type: number, payload: Buffer | string): Promise<number> {
    return new Promise((resolve) => {
      this.onReply = (_l, t) => resolve(t);
      this.send(encodeMessage(type, 1, 0, payload));
    });
  }

  close(): void {
    this.s.destroy();
  }
}

const NUL = (s: string) => Buffer.from(`${s}\0`, "latin1");

/** Writes the keys the workloads use: /bench/k0..k99 (64-byte values) and /fan. */
export async function prepare(socket: string): Promise<void> {
  const c = await LoadConn.open(socket);
  const value = "v".repeat(64);
  for (let i = 0; i < 100; i++) {
    const t = await c.request(XsType.WRITE, Buffer.concat([NUL(`/bench/k${i}`), Buffer.from(value)]));
    if (t !== XsType.WRITE) throw new Error(`preparing /bench failed (reply type ${t})`);
  }
  await c.request(XsType.MKDIR, NUL("/fan"));
  c.close();
}

export type Workload = "read" | "write" | "directory";

function requestsFor(workload: Workload, client: number): Buffer[] {
  const out: Buffer[] = [];
  const value = Buffer.from("w".repeat(64));
  for (let i = 0; i < 100; i++) {
    if (workload === "read") out.push(encodeMessage(XsType.READ, i + 1, 0, NUL(`/bench/k${i}`)));
    else if (workload === "write") {
      out.push(encodeMessage(XsType.WRITE, i + 1, 0, Buffer.concat([NUL(`/bench/c${client}/k${i}`), value])));
    } else out.push(encodeMessage(XsType.DIRECTORY, i + 1, 0, NUL("/bench")));
  }
  return out;
}

/** One thread's share of a request load: its op count and latencies (ns) in the window. */
export interface LoadSlice {
  ops: number;
  seconds: number;
  latenciesNs: Float64Array;
  errors: number;
}

/** Runs `clients` connections (numbered from `firstClient`) in this thread. */
export async function requestLoadSlice(
  socket: string,
  workload: Workload,
  firstClient: number,
  clients: number,
  depth: number,
  warmupS: number,
  measureS: number,
): Promise<LoadSlice> {
  const conns: LoadConn[] = [];
  for (let i = 0; i < clients; i++) conns.push(await LoadConn.open(socket));
  let lat = new Float64Array(1 << 16);
  let measuring = false;
  let stopping = false;
  let ops = 0;
  let errors = 0;
  conns.forEach((c, ci) => {
    const reqs = requestsFor(workload, firstClient + ci);
    let next = 0;
    c.onReply = (l, type) => {
      if (type === XsType.ERROR) errors++;
      if (measuring) {
        if (ops === lat.length) {
          const bigger = new Float64Array(lat.length * 2);
          bigger.set(lat);
          lat = bigger;
        }
        lat[ops++] = l;
      }
      if (!stopping) c.send(reqs[next++ % reqs.length]);
    };
    for (let d = 0; d < depth; d++) c.send(reqs[next++ % reqs.length]);
  });
  await sleep(warmupS * 1000);
  measuring = true;
  const t0 = performance.now();
  await sleep(measureS * 1000);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  stopping = true;
  await sleep(50);
  for (const c of conns) c.close();
  return { ops, seconds, latenciesNs: lat.subarray(0, ops), errors };
}

/**
 * Closed-loop request/reply load: `clients` connections with `depth` requests each in
 * flight, spread over `threads` worker threads (so the load generator is not the
 * bottleneck), merged into one throughput and one latency histogram.
 */
export async function requestLoad(
  socket: string,
  workload: Workload,
  clients: number,
  depth: number,
  warmupS: number,
  measureS: number,
  threads = 2,
): Promise<LoadResult> {
  const per = Math.ceil(clients / threads);
  const slices = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const first = t * per;
      const n = Math.min(per, clients - first);
      return runSliceInWorker({ socket, workload, firstClient: first, clients: n, depth, warmupS, measureS });
    }),
  );
  const hist = new LogHistogram({ relativeError: 0.01, min: 100, max: 1e11 });
  let ops = 0;
  let seconds = 0;
  let errors = 0;
  for (const s of slices) {
    ops += s.ops;
    seconds = Math.max(seconds, s.seconds);
    errors += s.errors;
    for (const l of s.latenciesNs) hist.add(l);
  }
  if (errors > 0) throw new Error(`${errors} requests were answered with an error`);
  return {
    ops,
    seconds,
    opsPerS: ops / seconds,
    p99Us: hist.quantile(0.99) / 1000,
    p50Us: hist.quantile(0.5) / 1000,
  };
}

export interface SliceArgs {
  socket: string;
  workload: Workload;
  firstClient: number;
  clients: number;
  depth: number;
  warmupS: number;
  measureS: number;
}

function runSliceInWorker(args: SliceArgs): Promise<LoadSlice> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./xenstore-load-worker.js", import.meta.url), { workerData: args });
    w.once("message", (m: LoadSlice) => resolve(m));
    w.once("error", reject);
    w.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load worker exited with code ${code}`));
    });
  });
}

/**
 * Watch fan-out: `watches` watches on /fan spread over `watchers` connections; one
 * writer writes below /fan in a closed loop. Each write fires every watch. ops_per_s is
 * events delivered per second; p99_us is the time from a write being sent until all its
 * events have arrived.
 */
export async function fanoutLoad(
  socket: string,
  watches: number,
  watchers: number,
  warmupS: number,
  measureS: number,
): Promise<LoadResult> {
  const conns: LoadConn[] = [];
  for (let i = 0; i < watchers; i++) conns.push(await LoadConn.open(socket));
  for (let w = 0; w < watches; w++) {
    const c = conns[w % watchers];
    const t = await c.request(XsType.WATCH, Buffer.from(`/fan\0tok${w}\0`, "latin1"));
    if (t !== XsType.WATCH) throw new Error(`WATCH failed (reply type ${t}); the daemon's watch quota?`);
  }
  await sleep(100); // initial events drain
  const writer = await LoadConn.open(socket);
  const hist = new LogHistogram({ relativeError: 0.01, min: 100, max: 1e11 });
  let measuring = false;
  let stopping = false;
  let events = 0;
  let pendingEvents = 0;
  let writeStart = 0;
  let writeAcked = false;
  let seq = 0;
  const sendWrite = (): void => {
    pendingEvents = watches;
    writeAcked = false;
    writeStart = performance.now();
    writer.send(encodeMessage(XsType.WRITE, 1, 0, Buffer.from(`/fan/k${seq++ % 10}\0x`, "latin1")));
  };
  const maybeNext = (): void => {
    if (pendingEvents > 0 || !writeAcked) return;
    if (measuring) hist.add((performance.now() - writeStart) * 1e6);
    if (!stopping) sendWrite();
  };
  for (const c of conns) {
    c.onEvent = () => {
      if (measuring) events++;
      pendingEvents--;
      maybeNext();
    };
  }
  writer.onReply = () => {
    writeAcked = true;
    maybeNext();
  };
  sendWrite();
  await sleep(warmupS * 1000);
  measuring = true;
  const t0 = process.hrtime.bigint();
  await sleep(measureS * 1000);
  measuring = false;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  stopping = true;
  await sleep(100);
  for (const c of [...conns, writer]) c.close();
  return {
    ops: events,
    seconds: secs,
    opsPerS: events / secs,
    p99Us: hist.quantile(0.99) / 1000,
    p50Us: hist.quantile(0.5) / 1000,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
