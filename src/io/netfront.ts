/**
 * netfront: the guest's PV network driver for one VIF (Linux drivers/xen/netfront of
 * the 2.6.18/2.6.31 trees, and xen-netfront.c), with the 2009 smart-polling option
 * (Xen commit 7cf56794ba, "VNIF: Using smart polling instead of event notification").
 *
 * Design.
 * - TX (xennet_start_xmit): take a free id, claim a grant reference, grant the backend
 *   read-only access to the packet's page, write a netif_tx_request, and (per batch)
 *   RING_PUSH_REQUESTS_AND_CHECK_NOTIFY; notify the backend only if the macro says so.
 * - IRQ (xennet_interrupt): schedule NAPI. The poll (weight 64) first reclaims TX
 *   responses (end foreign access, free ids; then rsp_event = prod + ((req_prod -
 *   prod) >> 1) + 1, the half-way batching of xennet_tx_buf_gc), then consumes up to 64
 *   RX responses (end access, hand the packet to the socket), refills the RX ring
 *   (xennet_alloc_rx_buffers: grant a fresh page per slot, push, notify if the back end
 *   armed req_event), and RING_FINAL_CHECK_FOR_RESPONSES before napi_complete.
 * - Smart polling: the shared ring's private byte `smartpoll_active` tells netback the
 *   front end is polling, so netback stops notifying. The front end polls its rings from
 *   a timer at `pollHz` (a guest hrtimer: Xen's VIRQ_TIMER upcall on the vCPU); after
 *   `idlePolls` empty polls it clears the flag and stops, and the next push notifies.
 *   The frequency and idle threshold were not in the sources read (gap): parameters.
 * The packet's contents (kind, size, send time, payload) live in per-id arrays, standing
 * for the guest pages the grants point at.
 */
import type { Kernel, Timer } from "../kernel/kernel.js";
import type { EventChannels, EvtchnDomain } from "../xen/pv/evtchn.js";
import type { GrantTable } from "../xen/pv/gnttab.js";
import {
  NETIF_RX_ENTRY,
  NETIF_TX_ENTRY,
  NETTXF_csum_blank,
  NETTXF_data_validated,
  rxRspId,
  rxRspStatus,
  txRspId,
  writeRxRequest,
  writeTxRequest,
} from "../xen/pv/netif.js";
import { FrontRing, RING_PVT_OFFSET, SharedRing } from "../xen/pv/ring.js";
import { type CpuWork, type KernelWorker, WORK } from "./cpu-work.js";
import type { IoCosts } from "./io-costs.js";
import { PacketQueue, PKT } from "./packet-queue.js";
import type { IrqHandler, PvIrq } from "./pv-irq.js";

/** NAPI weight of netfront's poll (netif_napi_add(..., 64)). */
export const NETFRONT_NAPI_WEIGHT = 64;

/** What the guest application sees of a VIF (its socket). */
export interface NetSocketListener {
  /** Packets were queued on `rxq`. */
  onData(now: number): void;
  /** The peer acknowledged `bytes` (TCP ACK processed in softirq). */
  onAck(bytes: number, now: number): void;
  /** TX ring slots were freed (netif_wake_queue). */
  onTxSpace(now: number): void;
}

export interface SmartPollParams {
  pollHz: number;
  idlePolls: number;
}

export class Netfront implements IrqHandler, KernelWorker {
  readonly category = WORK.netfront;
  readonly txRing = new FrontRing(new SharedRing(NETIF_TX_ENTRY));
  readonly rxRing = new FrontRing(new SharedRing(NETIF_RX_ENTRY));
  /** Guest-side event-channel port. */
  port = 0;
  private virqPort = 0;
  private readonly txFree: Int32Array;
  private txFreeTop = 0;
  private readonly txGref: Int32Array;
  readonly txKind: Uint8Array;
  readonly txT0: Float64Array;
  readonly txAux: Float64Array;
  readonly txSize: Int32Array;
  private readonly rxGref: Int32Array;
  readonly rxKind: Uint8Array;
  readonly rxT0: Float64Array;
  readonly rxAux: Float64Array;
  /** Packets delivered to the socket, waiting for the application. */
  readonly rxq = new PacketQueue(512);
  listener: NetSocketListener | null = null;
  private pollScheduled = false;
  private pollTx = 0;
  private pollRx = 0;
  private txStopped = false;
  private readonly pollTimer: Timer | null;
  private readonly irqHandle: PvIrq;
  private idle = 0;
  private nextFrame = 0x10000;
  /** Counters (reset at warm-up). */
  notifiesSent = 0;
  polls = 0;
  timerPolls = 0;
  rxPackets = 0;
  rxBytes = 0;
  txPackets = 0;
  txDropped = 0;

  constructor(
    k: Kernel,
    readonly vif: number,
    private readonly ev: EventChannels,
    readonly dom: EvtchnDomain,
    readonly gt: GrantTable,
    readonly backendDomid: number,
    irq: PvIrq,
    private readonly work: CpuWork,
    private readonly costs: IoCosts,
    /** Guest vCPU that takes the VIF's interrupt (vcpu_id). */
    readonly irqVcpu: number,
    readonly smart: SmartPollParams | null,
  ) {
    const n = this.txRing.nrEnts;
    this.txFree = new Int32Array(n);
    for (let i = n - 1; i >= 0; i--) this.txFree[this.txFreeTop++] = i;
    this.txGref = new Int32Array(n).fill(-1);
    this.txKind = new Uint8Array(n);
    this.txT0 = new Float64Array(n);
    this.txAux = new Float64Array(n);
    this.txSize = new Int32Array(n);
    const m = this.rxRing.nrEnts;
    this.rxGref = new Int32Array(m).fill(-1);
    this.rxKind = new Uint8Array(m);
    this.rxT0 = new Float64Array(m);
    this.rxAux = new Float64Array(m);
    this.irqHandle = irq;
    this.pollTimer = smart ? k.timer(this.onPollTimer, 0) : null;
  }

  get hostVcpu(): number {
    return this.dom.hostVcpus[this.irqVcpu];
  }

  /**
   * The front end's half of the connection (talk_to_netback): an unbound port for the
   * back end, its IRQ handler, the smart-poll VIRQ, and the initial RX buffers.
   */
  connect(backend: EvtchnDomain): number {
    this.port = this.ev.allocUnbound(this.dom, backend);
    if (this.port < 0) throw new RangeError(`netfront vif${this.vif}: no event channel (${this.port})`);
    this.ev.bindVcpu(this.dom, this.port, this.irqVcpu);
    this.irqHandle.bind(this.dom, this.port, this);
    if (this.smart) {
      this.virqPort = this.ev.bindIrq(this.dom, "virq", 0, this.irqVcpu);
      this.irqHandle.bind(this.dom, this.virqPort, { irq: (_p, now) => this.smartPollTick(now) });
    }
    this.refill();
    this.rxRing.pushRequestsAndCheckNotify();
    return this.port;
  }

  /** Free TX slots (ids). */
  get txSpace(): number {
    return this.txFreeTop;
  }

  /**
   * xennet_start_xmit for one packet; false (queue stopped) when the ring is full or no
   * grant reference is left. Call flush() after a batch.
   */
  send(kind: number, size: number, t0: number, aux: number): boolean {
    if (this.txFreeTop === 0) {
      this.txStopped = true;
      return false;
    }
    const gref = this.gt.claimRef();
    if (gref < 0) {
      this.txDropped++;
      return false;
    }
    const id = this.txFree[--this.txFreeTop];
    this.gt.grantAccess(gref, this.backendDomid, this.nextFrame++ & 0xfffff, true);
    this.txGref[id] = gref;
    this.txKind[id] = kind;
    this.txT0[id] = t0;
    this.txAux[id] = aux;
    this.txSize[id] = size;
    const r = this.txRing;
    writeTxRequest(r.sring, r.reqProdPvt, gref, 0, NETTXF_csum_blank | NETTXF_data_validated, id, size);
    r.reqProdPvt = (r.reqProdPvt + 1) >>> 0;
    this.txPackets++;
    return true;
  }

  /** Publishes queued TX requests; notifies the back end if it armed req_event. */
  flush(): void {
    if (this.txRing.pushRequestsAndCheckNotify()) {
      this.notifiesSent++;
      this.ev.send(this.dom, this.port);
    }
  }

  /** xennet_interrupt: schedule the NAPI poll. */
  irq(_port: number, now: number): void {
    if (this.smart && !this.pollTimer!.armed) this.startPolling(now);
    this.schedulePoll();
  }

  private schedulePoll(): void {
    if (this.pollScheduled) return;
    this.pollScheduled = true;
    this.work.post(this.hostVcpu, this, 0, false);
  }

  begin(_arg: number): number {
    this.pollTx = this.txRing.unconsumedResponses();
    const rx = this.rxRing.unconsumedResponses();
    this.pollRx = Math.min(rx, NETFRONT_NAPI_WEIGHT);
    const c = this.costs;
    return this.pollTx * c.netfront_refill + this.pollRx * (c.netfront_rx_packet + c.netfront_refill);
  }

  /** xennet_poll (with xennet_tx_buf_gc first). Hot path: benchmarked by `io.netback`. */
  end(_arg: number, now: number): void {
    this.polls++;
    this.txGc(now);
    const r = this.rxRing;
    const s = r.sring;
    let acked = 0;
    let delivered = 0;
    for (let i = 0; i < this.pollRx; i++) {
      const idx = r.rspCons;
      const id = rxRspId(s, idx);
      const status = rxRspStatus(s, idx);
      r.rspCons = (idx + 1) >>> 0;
      const gref = this.rxGref[id];
      this.gt.endAccess(gref);
      this.gt.releaseRef(gref);
      this.rxGref[id] = -1;
      if (status <= 0) continue;
      this.rxPackets++;
      this.rxBytes += status;
      const kind = this.rxKind[id];
      if (kind === PKT.ack) acked += this.rxAux[id];
      else {
        this.rxq.push(this.vif, kind, status, this.rxT0[id], now, this.rxAux[id]);
        delivered++;
      }
    }
    this.refill();
    if (r.pushRequestsAndCheckNotify()) {
      this.notifiesSent++;
      this.ev.send(this.dom, this.port);
    }
    const more =
      this.pollRx === NETFRONT_NAPI_WEIGHT ||
      r.finalCheckForResponses() ||
      this.txRing.unconsumedResponses() > 0;
    this.pollScheduled = false;
    if (more) this.schedulePoll();
    if (this.listener !== null) {
      if (acked > 0) this.listener.onAck(acked, now);
      if (delivered > 0) this.listener.onData(now);
    }
  }

  /** xennet_tx_buf_gc. */
  private txGc(now: number): void {
    const r = this.txRing;
    const s = r.sring;
    let freed = 0;
    do {
      const prod = s.rspProd;
      for (let i = r.rspCons; i !== prod; i = (i + 1) >>> 0) {
        const id = txRspId(s, i);
        const gref = this.txGref[id];
        this.gt.endAccess(gref);
        this.gt.releaseRef(gref);
        this.txGref[id] = -1;
        this.txFree[this.txFreeTop++] = id;
        freed++;
      }
      r.rspCons = prod;
      s.rspEvent = prod + ((s.reqProd - prod) >>> 1) + 1;
    } while (r.rspCons !== s.rspProd);
    if (freed > 0 && this.txStopped) {
      this.txStopped = false;
      this.listener?.onTxSpace(now);
    }
  }

  /** xennet_alloc_rx_buffers: one fresh granted page per free RX slot. */
  private refill(): void {
    const r = this.rxRing;
    const s = r.sring;
    while ((r.reqProdPvt - r.rspCons) >>> 0 < r.nrEnts) {
      const idx = r.reqProdPvt;
      const id = idx & s.mask;
      const gref = this.gt.claimRef();
      if (gref < 0) break;
      this.gt.grantAccess(gref, this.backendDomid, this.nextFrame++ & 0xfffff, false);
      this.rxGref[id] = gref;
      writeRxRequest(s, idx, id, gref);
      r.reqProdPvt = (idx + 1) >>> 0;
    }
  }

  /** netback's side of a copy into our buffer `id` (the payload lands in the page). */
  fillRx(id: number, kind: number, t0: number, aux: number): void {
    this.rxKind[id] = kind;
    this.rxT0[id] = t0;
    this.rxAux[id] = aux;
  }

  /** The rx request's buffer grant (netback reads it from the ring; kept for checks). */
  rxGrefOf(id: number): number {
    return this.rxGref[id];
  }

  // ---- smart polling -------------------------------------------------------------------

  private startPolling(_now: number): void {
    this.idle = 0;
    this.rxRing.sring.u8[RING_PVT_OFFSET] = 1;
    this.pollTimer!.set(1e9 / this.smart!.pollHz);
  }

  private readonly onPollTimer = (): void => {
    // The guest's hrtimer: Xen's timer raises VIRQ_TIMER on the vCPU (an upcall).
    this.timerPolls++;
    this.ev.raise(this.dom, this.virqPort);
  };

  /** The timer interrupt's handler: poll if there is work, count idle polls, stop when idle. */
  private smartPollTick(_now: number): void {
    const work = this.rxRing.unconsumedResponses() > 0 || this.txRing.unconsumedResponses() > 0;
    if (work) {
      this.idle = 0;
      this.schedulePoll();
    } else if (++this.idle >= this.smart!.idlePolls) {
      // Stop polling: netback notifies (and sets the flag again) on its next push.
      this.rxRing.sring.u8[RING_PVT_OFFSET] = 0;
      return;
    }
    this.pollTimer!.set(1e9 / this.smart!.pollHz);
  }

  resetStats(): void {
    this.notifiesSent = 0;
    this.polls = 0;
    this.timerPolls = 0;
    this.rxPackets = 0;
    this.rxBytes = 0;
    this.txPackets = 0;
    this.txDropped = 0;
    this.txRing.req.reset();
    this.rxRing.req.reset();
  }
}
