/**
 * The physical NIC in dom0 and the wire to the external peers: one Ethernet port with
 * a receive descriptor ring, interrupt moderation and NAPI, and a transmit queue
 * serialised at line rate. Its interrupt is a physical IRQ that Xen delivers to dom0
 * as a pirq event channel (so it costs a dom0 upcall on the vCPU it is bound to).
 *
 * Design.
 * - Inbound: a peer hands a packet to the wire at time r; it reaches the NIC at
 *   max(r + latency, previous arrival) + size*8/speed (the switch port serialises).
 *   Arrivals are computed when the packet is handed over, and kept in arrival order.
 *   A packet that finds `rxRing` packets already queued (arrived or on the wire) is
 *   dropped (rx_missed), a conservative reading of the ring occupancy.
 * - Interrupts (ITR moderation, NAPI): with interrupts enabled, the IRQ fires at
 *   max(next arrival, last IRQ + 1/itr); its handler schedules the NAPI poll (softirq on
 *   the same dom0 vCPU), which handles up to `weight` arrived packets per pass (cost
 *   `nic_rx_packet` each) and hands them to netback; when none are left it re-enables
 *   the IRQ (napi_complete).
 * - Outbound: netback transmits; departure = max(now, previous departure) + size*8/speed;
 *   the peer receives at departure + latency. The peer's side runs once per due batch
 *   (one timer), with each packet's exact arrival time.
 */
import type { Kernel, Timer } from "../kernel/kernel.js";
import type { EventChannels, EvtchnDomain } from "../xen/pv/evtchn.js";
import { type CpuWork, type KernelWorker, WORK } from "./cpu-work.js";
import type { IoCosts } from "./io-costs.js";
import { PacketQueue } from "./packet-queue.js";
import type { IrqHandler, PvIrq } from "./pv-irq.js";

export interface NicParams {
  /** Line rate, bit/s. */
  speed: number;
  /** One-way wire + switch latency, ns. */
  latency: number;
  /** RX descriptors. */
  rxRing: number;
  /** Interrupt throttle: most interrupts per second. */
  itr: number;
  /** NAPI weight (packets per poll pass). */
  weight: number;
  /** dom0 vCPU the NIC's pirq is bound to. */
  irqVcpu: number;
}

/** Where packets go: netback on the host side, the peers on the far side. */
export interface NicSink {
  /** A received packet for `flow` (netback start_xmit, via the bridge). */
  fromWire(flow: number, kind: number, size: number, t0: number, aux: number, now: number): void;
}
export interface PeerSink {
  /** The peer of `flow` receives a packet at `at`. */
  toPeer(flow: number, kind: number, size: number, t0: number, aux: number, at: number): void;
  /** End of one batch of deliveries (the peer flushes delayed ACKs). */
  peerBatchDone(now: number): void;
}

/** The pirq number the model gives the NIC (any number works; 16 is above the legacy ISA IRQs). */
const NIC_PIRQ = 16;

export class PhysNic implements KernelWorker, IrqHandler {
  readonly category = WORK.nic;
  private readonly rx = new PacketQueue(1024);
  private readonly out = new PacketQueue(1024);
  private inLast = 0;
  private outLast = 0;
  private lastIrq = Number.NEGATIVE_INFINITY;
  private irqEnabled = true;
  private readonly irqTimer: Timer;
  private readonly peerTimer: Timer;
  private lastPeer = Number.NEGATIVE_INFINITY;
  private pollBatch = 0;
  private pollScheduled = false;
  port = 0;
  private readonly hostVcpu: number;
  sink!: NicSink;
  peers!: PeerSink;
  /** Counters (reset at warm-up). */
  rxPackets = 0;
  rxBytes = 0;
  rxDropped = 0;
  txPackets = 0;
  txBytes = 0;
  interrupts = 0;
  polls = 0;
  /** Per-flow drops at the RX ring. */
  readonly dropsByFlow: number[] = [];

  constructor(
    private readonly k: Kernel,
    readonly p: NicParams,
    private readonly ev: EventChannels,
    private readonly dom0: EvtchnDomain,
    irq: PvIrq,
    private readonly work: CpuWork,
    private readonly costs: IoCosts,
  ) {
    this.port = ev.bindIrq(dom0, "pirq", NIC_PIRQ, p.irqVcpu);
    irq.bind(dom0, this.port, this);
    this.hostVcpu = dom0.hostVcpus[p.irqVcpu];
    this.irqTimer = k.timer(this.onIrq, 0);
    this.peerTimer = k.timer(this.onPeer, 0);
  }

  /** Serialisation time of `size` bytes at line rate (ns). */
  ser(size: number): number {
    return (size * 8 * 1e9) / this.p.speed;
  }

  /**
   * A peer hands a packet for the host to the wire at `ready` (<= now is allowed: the
   * peer computed it for an earlier instant). Returns false if the NIC dropped it.
   */
  inbound(flow: number, kind: number, size: number, t0: number, aux: number, ready: number): boolean {
    const arrival = Math.max(ready + this.p.latency, this.inLast) + this.ser(size);
    if (this.rx.length >= this.p.rxRing) {
      this.rxDropped++;
      this.dropsByFlow[flow] = (this.dropsByFlow[flow] ?? 0) + 1;
      return false;
    }
    this.inLast = arrival;
    this.rx.push(flow, kind, size, t0, arrival, aux);
    if (this.irqEnabled && !this.irqTimer.armed) this.armIrq();
    return true;
  }

  private armIrq(): void {
    const at = Math.max(this.rx.headAt(), this.lastIrq + 1e9 / this.p.itr, this.k.now);
    this.irqTimer.setAt(at);
  }

  /** The device raises its interrupt: MSI -> Xen -> dom0's pirq event channel. */
  private readonly onIrq = (k: Kernel): void => {
    this.lastIrq = k.now;
    this.irqEnabled = false;
    this.interrupts++;
    this.ev.raise(this.dom0, this.port);
  };

  /** dom0's IRQ handler (inside the upcall): disable, napi_schedule. */
  irq(): void {
    if (this.pollScheduled) return;
    this.pollScheduled = true;
    this.work.post(this.hostVcpu, this, 0, false);
  }

  /** NAPI poll pass: the packets that have arrived, up to the weight. */
  begin(_arg: number, now: number): number {
    this.pollBatch = this.rx.countDue(now, this.p.weight);
    return this.pollBatch * this.costs.nic_rx_packet;
  }

  end(_arg: number, now: number): void {
    this.polls++;
    const q = this.rx;
    for (let i = 0; i < this.pollBatch; i++) {
      const flow = q.headFlow();
      const size = q.headSize();
      this.rxPackets++;
      this.rxBytes += size;
      this.sink.fromWire(flow, q.headKind(), size, q.headT0(), q.headAux(), now);
      q.shift();
    }
    if (q.countDue(now, 1) > 0) {
      this.work.post(this.hostVcpu, this, 0, false);
      return;
    }
    // napi_complete: interrupts back on.
    this.pollScheduled = false;
    this.irqEnabled = true;
    if (q.length > 0) this.armIrq();
  }

  /** Transmit on the wire (from netback via the bridge); returns the departure time. */
  transmit(flow: number, kind: number, size: number, t0: number, aux: number): number {
    const dep = Math.max(this.k.now, this.outLast) + this.ser(size);
    this.outLast = dep;
    this.txPackets++;
    this.txBytes += size;
    this.out.push(flow, kind, size, t0, dep + this.p.latency, aux);
    if (!this.peerTimer.armed) this.armPeer();
    return dep;
  }

  /** The peer's NIC moderates its interrupts like ours: it looks at most every 1/itr. */
  private armPeer(): void {
    this.peerTimer.setAt(Math.max(this.out.headAt(), this.lastPeer + 1e9 / this.p.itr, this.k.now));
  }

  private readonly onPeer = (k: Kernel): void => {
    const q = this.out;
    const now = k.now;
    this.lastPeer = now;
    while (q.length > 0 && q.headAt() <= now) {
      const f = q.headFlow();
      const kind = q.headKind();
      const size = q.headSize();
      const t0 = q.headT0();
      const at = q.headAt();
      const aux = q.headAux();
      q.shift();
      this.peers.toPeer(f, kind, size, t0, aux, at);
    }
    this.peers.peerBatchDone(now);
    if (q.length > 0) this.armPeer();
  };

  resetStats(): void {
    this.rxPackets = 0;
    this.rxBytes = 0;
    this.rxDropped = 0;
    this.txPackets = 0;
    this.txBytes = 0;
    this.interrupts = 0;
    this.polls = 0;
    this.dropsByFlow.length = 0;
  }
}
