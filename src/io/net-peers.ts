/**
 * The external hosts at the far end of the wire, one per VIF flow (netperf's remote
 * side). They are outside the Xen host, so they cost nothing here; they only send and
 * receive at line rate through the PhysNic.
 *
 * - StreamSource: sends a TCP_STREAM-like flow to the guest. With a `window` it keeps at
 *   most that many bytes unacknowledged (the guest acknowledges when its application
 *   reads, so the window includes unread data, as a socket receive buffer does); with a
 *   `rate` it sends at that rate regardless (UDP_STREAM-like). A packet dropped on the
 *   way is counted and its bytes leave the window at once (idealised loss recovery).
 * - StreamSink: receives the guest's stream, measures it, and acknowledges every
 *   `ackEvery` packets (and the remainder at the end of each receive batch).
 * - RrClient: TCP_RR-like: one request outstanding; a response completes a transaction
 *   (latency = response arrival - request send), the next request follows after `think`.
 */
import type { Kernel, Timer } from "../kernel/kernel.js";
import { LogHistogram } from "../kernel/log-histogram.js";
import type { LossSink } from "./netback.js";
import { PKT } from "./packet-queue.js";
import type { PeerSink, PhysNic } from "./phys-nic.js";

/**
 * When every packet in flight was lost, the source tries again after this long (an
 * idealised retransmission timeout; Linux's minimum RTO is 200 ms, but a drop at a
 * receiver's ring is normally repaired by fast retransmit within a round trip).
 */
const RETRY_NS = 1_000_000;

/** A pure TCP ACK on Ethernet: 14 + 20 + 20 + 12 (timestamps) bytes. */
export const ACK_FRAME = 66;

export interface PeerFlow {
  start(now: number): void;
  receive(kind: number, size: number, t0: number, aux: number, at: number): void;
  batchDone(now: number): void;
  lost(kind: number, size: number, now: number): void;
  resetStats(now: number): void;
}

/** Routes the NIC's deliveries and netback's losses to the flow's peer. */
export class Peers implements PeerSink, LossSink {
  readonly flows: (PeerFlow | undefined)[] = [];
  toPeer(flow: number, kind: number, size: number, t0: number, aux: number, at: number): void {
    this.flows[flow]?.receive(kind, size, t0, aux, at);
  }
  peerBatchDone(now: number): void {
    for (const f of this.flows) f?.batchDone(now);
  }
  lost(flow: number, kind: number, size: number, now: number): void {
    this.flows[flow]?.lost(kind, size, now);
  }
}

export interface StreamSourceParams {
  /** Frame size, bytes (1514 for a 1500 MTU). */
  size: number;
  /** Bytes in flight (TCP-like); 0 with a rate. */
  window: number;
  /** Frames per second for a fixed-rate stream; 0 with a window. */
  rate: number;
}

export class StreamSource implements PeerFlow {
  inFlight = 0;
  sent = 0;
  lostPackets = 0;
  private seq = 0;
  private readonly timer: Timer | null;
  private readonly rto: Timer;

  constructor(
    k: Kernel,
    readonly flow: number,
    private readonly nic: PhysNic,
    readonly p: StreamSourceParams,
  ) {
    this.timer = p.rate > 0 ? k.timer(this.onTick, 0) : null;
    this.rto = k.timer(this.onRetry, 0);
  }

  start(now: number): void {
    if (this.timer) this.timer.set(1e9 / this.p.rate);
    else this.fill(now);
  }

  /** Sends while the window allows; stops at a drop (the rest waits for an ACK or the retry timer). */
  private fill(ready: number): void {
    const { size, window } = this.p;
    while (this.inFlight + size <= window) {
      if (!this.sendOne(ready)) {
        if (this.inFlight === 0 && !this.rto.armed) this.rto.set(RETRY_NS);
        return;
      }
    }
  }

  private sendOne(ready: number): boolean {
    this.inFlight += this.p.size;
    this.sent++;
    if (this.nic.inbound(this.flow, PKT.data, this.p.size, ready, this.seq++, ready)) return true;
    this.lost(PKT.data, this.p.size);
    return false;
  }

  private readonly onTick = (k: Kernel): void => {
    this.timer!.set(1e9 / this.p.rate);
    this.sendOne(k.now);
  };

  private readonly onRetry = (k: Kernel): void => this.fill(k.now);

  receive(kind: number, _size: number, _t0: number, aux: number, at: number): void {
    if (kind !== PKT.ack) return;
    this.inFlight = Math.max(0, this.inFlight - aux);
    if (!this.timer) this.fill(at);
  }

  batchDone(): void {}

  lost(kind: number, size: number): void {
    if (kind !== PKT.data) return;
    this.lostPackets++;
    if (!this.timer) this.inFlight = Math.max(0, this.inFlight - size);
  }

  resetStats(): void {
    this.sent = 0;
    this.lostPackets = 0;
  }
}

export class StreamSink implements PeerFlow {
  bytes = 0;
  packets = 0;
  readonly latency = new LogHistogram();
  private unacked = 0;
  private unackedBytes = 0;
  private lastAt = 0;

  constructor(
    readonly flow: number,
    private readonly nic: PhysNic,
    readonly ackEvery: number,
  ) {}

  start(): void {}

  receive(kind: number, size: number, t0: number, _aux: number, at: number): void {
    if (kind !== PKT.data) return;
    this.bytes += size;
    this.packets++;
    this.latency.add(Math.max(1, at - t0));
    this.unacked++;
    this.unackedBytes += size;
    this.lastAt = at;
    if (this.unacked >= this.ackEvery) this.ack(at);
  }

  private ack(at: number): void {
    this.nic.inbound(this.flow, PKT.ack, ACK_FRAME, at, this.unackedBytes, at);
    this.unacked = 0;
    this.unackedBytes = 0;
  }

  batchDone(): void {
    if (this.unacked > 0) this.ack(this.lastAt);
  }

  lost(): void {}

  resetStats(): void {
    this.bytes = 0;
    this.packets = 0;
    this.latency.reset();
  }
}

export interface RrParams {
  request: number;
  response: number;
  /** Time between a response and the next request. */
  think: number;
}

export class RrClient implements PeerFlow {
  transactions = 0;
  lostPackets = 0;
  readonly latency = new LogHistogram();
  private readonly timer: Timer;

  constructor(
    private readonly k: Kernel,
    readonly flow: number,
    private readonly nic: PhysNic,
    readonly p: RrParams,
  ) {
    this.timer = k.timer(this.onThink, 0);
  }

  start(now: number): void {
    this.send(now);
  }

  private send(ready: number): void {
    if (!this.nic.inbound(this.flow, PKT.request, this.p.request, ready, 0, ready)) this.lost(PKT.request);
  }

  private readonly onThink = (k: Kernel): void => this.send(k.now);

  receive(kind: number, _size: number, t0: number, _aux: number, at: number): void {
    if (kind !== PKT.response) return;
    this.transactions++;
    this.latency.add(Math.max(1, at - t0));
    if (this.p.think > 0) this.timer.setAt(Math.max(at + this.p.think, this.k.now));
    else this.send(at);
  }

  batchDone(): void {}

  lost(kind: number): void {
    // A lost request or response: the client times out and retries (RTO not modelled: at once).
    this.lostPackets++;
    if (kind === PKT.request || kind === PKT.response) this.timer.set(0);
  }

  resetStats(): void {
    this.transactions = 0;
    this.lostPackets = 0;
    this.latency.reset();
  }
}
