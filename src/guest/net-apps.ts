/**
 * Network applications in PV guests, netperf-like, each bound to one VIF's netfront
 * (its socket):
 * - StreamReceiver (TCP_STREAM / UDP_STREAM receive side): reads what netfront queued,
 *   `readBatch` packets per recv() at `app_copy_kib`; with a window it acknowledges what
 *   it read (a window update every `ackEvery` packets, sent through netfront).
 * - StreamSender (TCP_STREAM send side): writes of `burst` packets (a 64 KiB send() is
 *   44 frames) while the peer's window and the TX ring allow; each packet costs the TCP
 *   send path and netfront's xmit (`netfront_tx_packet`) plus the user copy. With a
 *   `rate` it sends `burst` packets every burst/rate instead.
 * - RrServer (TCP_RR server side): for each request, `service` ns of CPU, then a response.
 * Costs come from the I/O cost table; the kernel's own work (netfront's poll) runs as
 * PV kernel jobs ahead of the application (pv-kernel.ts).
 */
import type { IoCosts } from "../io/io-costs.js";
import { ACK_FRAME } from "../io/net-peers.js";
import type { Netfront, NetSocketListener } from "../io/netfront.js";
import { PKT } from "../io/packet-queue.js";
import type { Kernel, Timer } from "../kernel/kernel.js";
import { LogHistogram } from "../kernel/log-histogram.js";
import type { GuestOps, GuestProgram } from "./guest-driver.js";

/** A program that needs its VIF bound before the host starts. */
export interface NetApp extends GuestProgram, NetSocketListener {
  bind(front: Netfront): void;
  readonly vif: number;
}

export class StreamReceiver implements NetApp {
  readonly kind = "net_stream";
  readonly demand = 1;
  private ops!: GuestOps;
  private v = 0;
  private front!: Netfront;
  private waiting = false;
  private reading = 0;
  bytes = 0;
  packets = 0;
  /** Peer send to application read. */
  readonly latency = new LogHistogram();

  constructor(
    readonly vif: number,
    private readonly costs: IoCosts,
    /** Acknowledge every n packets read; 0 for a fixed-rate (UDP-like) stream. */
    readonly ackEvery: number,
    readonly readBatch = 64,
  ) {}

  bind(front: Netfront): void {
    this.front = front;
    front.listener = this;
  }

  start(ops: GuestOps, v: number): void {
    this.ops = ops;
    this.v = v;
    ops.setBurst(v, 0);
  }

  private readCost(n: number, bytes: number): number {
    const acks = this.ackEvery > 0 ? Math.ceil(n / this.ackEvery) : 0;
    return (bytes / 1024) * this.costs.app_copy_kib + acks * this.costs.netfront_tx_packet;
  }

  /** Starts a recv() of what is queued (as the burst); false if nothing is. */
  private read(): boolean {
    const q = this.front.rxq;
    const n = Math.min(q.length, this.readBatch);
    if (n === 0) return false;
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += q.sizeOf(i);
    this.reading = n;
    this.ops.setBurst(this.v, this.readCost(n, bytes));
    return true;
  }

  onData(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.read();
    this.ops.wake(this.v);
  }

  onAck(): void {}
  onTxSpace(): void {}

  burstDone(now: number): void {
    const q = this.front.rxq;
    let acked = 0;
    let unacked = 0;
    for (let i = 0; i < this.reading; i++) {
      const size = q.headSize();
      this.bytes += size;
      this.packets++;
      this.latency.add(Math.max(1, now - q.headT0()));
      q.shift();
      if (this.ackEvery > 0) {
        acked += size;
        if (++unacked === this.ackEvery) {
          this.front.send(PKT.ack, ACK_FRAME, now, acked);
          acked = 0;
          unacked = 0;
        }
      }
    }
    if (acked > 0) this.front.send(PKT.ack, ACK_FRAME, now, acked);
    if (this.reading > 0 && this.ackEvery > 0) this.front.flush();
    this.reading = 0;
    if (!this.read()) {
      this.waiting = true;
      this.ops.block(this.v);
    }
  }

  resetStats(): void {
    this.bytes = 0;
    this.packets = 0;
    this.latency.reset();
  }
}

export interface SenderParams {
  size: number;
  window: number;
  /** Frames per second (0: window-limited). */
  rate: number;
  /** Frames per send() call. */
  burst: number;
}

export class StreamSender implements NetApp {
  readonly kind = "net_stream";
  readonly demand = 1;
  private ops!: GuestOps;
  private v = 0;
  private front!: Netfront;
  private inFlight = 0;
  private writing = 0;
  private waiting = false;
  /** Frames the rate allows now (rate mode). */
  private tokens = 0;
  private readonly timer: Timer | null;
  sent = 0;
  stalls = 0;

  constructor(
    k: Kernel,
    readonly vif: number,
    private readonly costs: IoCosts,
    readonly p: SenderParams,
  ) {
    this.timer = p.rate > 0 ? k.timer(this.onTick, 0) : null;
  }

  bind(front: Netfront): void {
    this.front = front;
    front.listener = this;
  }

  start(ops: GuestOps, v: number): void {
    this.ops = ops;
    this.v = v;
    if (this.timer) {
      this.tokens = this.p.burst;
      this.timer.set((1e9 * this.p.burst) / this.p.rate);
    }
    ops.setBurst(v, 0);
    this.waiting = false;
  }

  private room(): number {
    let n = this.p.burst;
    if (this.p.window > 0) n = Math.min(n, Math.floor((this.p.window - this.inFlight) / this.p.size));
    if (this.timer) n = Math.min(n, this.tokens);
    return Math.max(0, Math.min(n, this.front.txSpace));
  }

  /** Starts a send() of as many frames as allowed; false if none is. */
  private write(): boolean {
    const n = this.room();
    if (n === 0) return false;
    this.writing = n;
    const c = this.costs;
    this.ops.setBurst(this.v, n * (c.netfront_tx_packet + (this.p.size / 1024) * c.app_copy_kib));
    return true;
  }

  burstDone(now: number): void {
    for (let i = 0; i < this.writing; i++) {
      if (!this.front.send(PKT.data, this.p.size, now, 0)) {
        this.stalls++;
        break;
      }
      this.sent++;
      if (this.p.window > 0) this.inFlight += this.p.size;
      if (this.timer) this.tokens--;
    }
    if (this.writing > 0) this.front.flush();
    this.writing = 0;
    if (!this.write()) {
      this.waiting = true;
      this.ops.block(this.v);
    }
  }

  private resume(): void {
    if (!this.waiting) return;
    if (!this.write()) return;
    this.waiting = false;
    this.ops.wake(this.v);
  }

  onAck(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
    this.resume();
  }

  onTxSpace(): void {
    this.resume();
  }

  onData(): void {}

  private readonly onTick = (): void => {
    this.timer!.set((1e9 * this.p.burst) / this.p.rate);
    this.tokens = this.p.burst;
    this.resume();
  };

  resetStats(): void {
    this.sent = 0;
    this.stalls = 0;
  }
}

export class RrServer implements NetApp {
  readonly kind = "net_rr";
  readonly demand = 0.5;
  private ops!: GuestOps;
  private v = 0;
  private front!: Netfront;
  private waiting = false;
  private serving = false;
  served = 0;

  constructor(
    readonly vif: number,
    private readonly costs: IoCosts,
    /** CPU per request, ns. */
    readonly service: number,
    /** Response frame size. */
    readonly response: number,
  ) {}

  bind(front: Netfront): void {
    this.front = front;
    front.listener = this;
  }

  start(ops: GuestOps, v: number): void {
    this.ops = ops;
    this.v = v;
    ops.setBurst(v, 0);
  }

  private take(): boolean {
    if (this.front.rxq.length === 0) return false;
    this.serving = true;
    const c = this.costs;
    this.ops.setBurst(this.v, this.service + c.netfront_tx_packet + (this.response / 1024) * c.app_copy_kib);
    return true;
  }

  onData(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.take();
    this.ops.wake(this.v);
  }

  onAck(): void {}
  onTxSpace(): void {}

  burstDone(): void {
    if (this.serving) {
      const q = this.front.rxq;
      this.front.send(PKT.response, this.response, q.headT0(), 0);
      this.front.flush();
      q.shift();
      this.served++;
      this.serving = false;
    }
    if (!this.take()) {
      this.waiting = true;
      this.ops.block(this.v);
    }
  }

  resetStats(): void {
    this.served = 0;
  }
}
