/**
 * netback: dom0's PV network back end, as in the 2009-2010 pvops tree
 * (drivers/xen/netback/netback.c, read in keshav143/xenified-PV-kernel and the xen.git
 * history): one `struct xen_netbk` per group, each with its own rx_queue, schedule list,
 * pending ring (MAX_PENDING_REQS = 256) and bottom halves. 2009's netback had exactly
 * one group (the global net_tx_tasklet/net_rx_tasklet pair); Dongxiao Xu's change
 * (Xiaowei Yang's talk) made one group per online dom0 CPU and binds each VIF to the
 * group with the fewest VIFs.
 *
 * Design. A group's work is CPU work on a dom0 vCPU (CpuWork): with one global group it
 * runs on dom0 vCPU 0, where the NIC's and the VIFs' interrupts are delivered by default,
 * and never on two vCPUs at once (tasklet semantics); with groups, group g runs on dom0
 * vCPU g mod n (netback's per-group kthread bound to its CPU).
 * - To the guest (net_rx_action): start_xmit (from the NIC's poll, via the bridge)
 *   queues the packet on the group's rx_queue after reserving an RX request
 *   (rx_req_cons_peek; netbk_queue_full stops the VIF's queue, arming req_event, and
 *   later packets wait in the qdisc of `txQueueLen`, beyond which they are dropped). The
 *   rx action takes packets until count + MAX_SKB_FRAGS >= NET_RX_RING_SIZE, issues one
 *   multicall of GNTTABOP_copy ops into the guests' posted buffers, then for each packet
 *   writes the RX response and RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, collecting one
 *   notification per VIF for the end of the batch (skipped with smart polling, where
 *   netback notifies only when `smartpoll_active` is clear, and sets it).
 * - From the guest (net_tx_action): the VIF's interrupt puts it on the schedule list;
 *   the tx action first deallocates transmitted packets (GNTTABOP_unmap_grant_ref,
 *   make_tx_response with push-and-notify), then takes one request per VIF in turn while
 *   pending slots last, maps each read-only (GNTTABOP_map_grant_ref), copies the 72-byte
 *   header and hands the packet to the bridge and NIC. Packets of <= PKT_PROT_LEN bytes
 *   are released at once; larger ones when the NIC has sent them (TX completion, seen
 *   at the NIC's interrupt moderation).
 * Costs per packet and per batch come from the cost table (io-costs.ts).
 */
import type { Kernel, Timer } from "../kernel/kernel.js";
import type { EventChannels, EvtchnDomain } from "../xen/pv/evtchn.js";
import {
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_okay,
  type GrantTable,
  type GrantTables,
} from "../xen/pv/gnttab.js";
import {
  NET_RX_RING_SIZE,
  NETIF_RSP_ERROR,
  NETIF_RSP_OKAY,
  NETRXF_data_validated,
  rxReqGref,
  rxReqId,
  txReqGref,
  txReqId,
  txReqSize,
  writeRxResponse,
  writeTxResponse,
} from "../xen/pv/netif.js";
import { BackRing, RING_PVT_OFFSET } from "../xen/pv/ring.js";
import { type CpuWork, type KernelWorker, WORK } from "./cpu-work.js";
import type { IoCosts } from "./io-costs.js";
import type { Netfront } from "./netfront.js";
import { PacketQueue } from "./packet-queue.js";
import type { NicSink, PhysNic } from "./phys-nic.js";
import type { IrqHandler, PvIrq } from "./pv-irq.js";

/** MAX_PENDING_REQS: in-flight TX requests per group. */
export const MAX_PENDING_REQS = 256;
/** MAX_SKB_FRAGS for 4 KiB pages: 65536 / 4096 + 2. */
export const MAX_SKB_FRAGS = 18;
/** PKT_PROT_LEN: header bytes copied rather than mapped on TX. */
export const PKT_PROT_LEN = 72;

export const NETBACK_MODELS = ["tasklet-pair", "groups"] as const;
export type NetbackModel = (typeof NETBACK_MODELS)[number];

export interface NetbackParams {
  model: NetbackModel;
  /** dom0 vCPUs (groups mode makes one group per vCPU). */
  dom0Vcpus: number;
  /** The VIF's qdisc length (dev->tx_queue_len, netbk_queue_length = 32). */
  txQueueLen: number;
}

/** Told when netback drops a packet of a flow (the peer's loss recovery). */
export interface LossSink {
  lost(flow: number, kind: number, size: number, now: number): void;
}

/** Back-end state of one VIF (struct xen_netif). */
export class NetbackVif {
  readonly tx: BackRing;
  readonly rx: BackRing;
  /** dom0-side port. */
  port = 0;
  group = 0;
  rxReqConsPeek = 0;
  stopped = false;
  onSchedList = false;
  notifyPending = false;
  readonly qdisc = new PacketQueue(64);
  /** Counters (reset at warm-up). */
  toGuest = 0;
  toGuestBytes = 0;
  fromGuest = 0;
  dropped = 0;
  rxNotifies = 0;
  txNotifies = 0;
  /** Sum of RX ring occupancy (responses pushed but not consumed) at each push, and pushes. */
  occSum = 0;
  occN = 0;

  constructor(
    readonly index: number,
    readonly front: Netfront,
    readonly guestGt: GrantTable,
  ) {
    this.tx = new BackRing(front.txRing.sring);
    this.rx = new BackRing(front.rxRing.sring);
  }

  /** netbk_queue_full (no SG: one slot per packet). */
  queueFull(): boolean {
    const peek = this.rxReqConsPeek;
    const s = this.rx.sring;
    return (s.reqProd - peek) >>> 0 < 1 || (this.rx.rspProdPvt + NET_RX_RING_SIZE - peek) >>> 0 < 1;
  }

  get smartPoll(): boolean {
    return this.front.smart !== null;
  }

  resetStats(): void {
    this.toGuest = 0;
    this.toGuestBytes = 0;
    this.fromGuest = 0;
    this.dropped = 0;
    this.rxNotifies = 0;
    this.txNotifies = 0;
    this.occSum = 0;
    this.occN = 0;
    this.tx.rsp.reset();
    this.rx.rsp.reset();
  }
}

/** One struct xen_netbk: its queues and its two bottom halves. */
export class NetbkGroup {
  readonly rxQueue = new PacketQueue(512);
  /** The current rx batch (taken when the bottom half starts). */
  readonly rxBatch = new PacketQueue(512);
  readonly schedList: NetbackVif[] = [];
  nrPending = 0;
  /** Mapped TX packets waiting for the NIC: vif in flow, id in size, handle in t0, departure in at. */
  readonly inflight = new PacketQueue(MAX_PENDING_REQS);
  /** Released, to be unmapped and answered (same columns). */
  readonly dealloc = new PacketQueue(MAX_PENDING_REQS);
  /** The tx batch built when the bottom half starts: vif in flow, ring index in aux. */
  readonly txBatch = new PacketQueue(MAX_PENDING_REQS);
  rxScheduled = false;
  txScheduled = false;
  nrVifs = 0;
  completion!: Timer;
  lastCompletion = Number.NEGATIVE_INFINITY;
  deallocTaken = 0;
  /** Bottom-half runs and packets, for the report. */
  rxRuns = 0;
  txRuns = 0;

  constructor(
    readonly index: number,
    /** Host vCPU its bottom halves run on. */
    readonly hostVcpu: number,
  ) {}
}

export class Netback implements NicSink {
  readonly groups: NetbkGroup[] = [];
  readonly vifs: NetbackVif[] = [];
  private readonly notifyList: NetbackVif[] = [];
  loss: LossSink | null = null;
  /** Hypercalls issued (multicalls and grant-table batches) and event sends. */
  hypercalls = 0;
  evtchnSends = 0;
  private readonly rxWorker: KernelWorker;
  private readonly txWorker: KernelWorker;

  constructor(
    private readonly k: Kernel,
    readonly p: NetbackParams,
    private readonly ev: EventChannels,
    readonly dom0: EvtchnDomain,
    private readonly gts: GrantTables,
    readonly dom0Gt: GrantTable,
    private readonly irq: PvIrq,
    private readonly work: CpuWork,
    private readonly costs: IoCosts,
    private readonly nic: PhysNic,
  ) {
    const n = p.model === "groups" ? p.dom0Vcpus : 1;
    for (let g = 0; g < n; g++) {
      const grp = new NetbkGroup(g, dom0.hostVcpus[g % dom0.hostVcpus.length]);
      grp.completion = k.timer(this.onCompletion, g);
      this.groups.push(grp);
    }
    this.rxWorker = {
      category: WORK.netback_rx,
      begin: (g, now) => this.rxBegin(g, now),
      end: (g) => this.rxEnd(g),
    };
    this.txWorker = {
      category: WORK.netback_tx,
      begin: (g, now) => this.txBegin(g, now),
      end: (g) => this.txEnd(g),
    };
  }

  /**
   * netback's connect (xenbus connect + netif_map): bind the front end's port, join the
   * group with the fewest VIFs.
   */
  connect(front: Netfront, frontPort: number): NetbackVif {
    const vif = new NetbackVif(this.vifs.length, front, front.gt);
    const port = this.ev.bindInterdomain(this.dom0, front.dom, frontPort);
    if (port < 0) throw new RangeError(`netback vif${vif.index}: bind_interdomain failed (${port})`);
    vif.port = port;
    let best = this.groups[0];
    for (const g of this.groups) if (g.nrVifs < best.nrVifs) best = g;
    vif.group = best.index;
    best.nrVifs++;
    this.vifs.push(vif);
    const handler: IrqHandler = { irq: () => this.beInt(vif) };
    this.irq.bind(this.dom0, port, handler);
    return vif;
  }

  private schedule(g: NetbkGroup, rx: boolean): void {
    if (rx) {
      if (g.rxScheduled) return;
      g.rxScheduled = true;
      this.work.post(g.hostVcpu, this.rxWorker, g.index, false);
    } else {
      if (g.txScheduled) return;
      g.txScheduled = true;
      this.work.post(g.hostVcpu, this.txWorker, g.index, false);
    }
  }

  // ---- to the guest: start_xmit and net_rx_action --------------------------------------

  /** From the bridge (the NIC's NAPI poll): netif_be_start_xmit, or the qdisc if stopped. */
  fromWire(flow: number, kind: number, size: number, t0: number, aux: number, now: number): void {
    const vif = this.vifs[flow];
    if (vif.stopped) {
      if (vif.qdisc.length < this.p.txQueueLen) vif.qdisc.push(flow, kind, size, t0, now, aux);
      else this.drop(vif, kind, size, now);
      return;
    }
    this.startXmit(vif, kind, size, t0, aux, now);
  }

  private drop(vif: NetbackVif, kind: number, size: number, now: number): void {
    vif.dropped++;
    this.loss?.lost(vif.index, kind, size, now);
  }

  private startXmit(vif: NetbackVif, kind: number, size: number, t0: number, aux: number, now: number): void {
    if (vif.queueFull()) {
      this.drop(vif, kind, size, now);
      return;
    }
    vif.rxReqConsPeek = (vif.rxReqConsPeek + 1) >>> 0;
    const g = this.groups[vif.group];
    g.rxQueue.push(vif.index, kind, size, t0, now, aux);
    if (vif.queueFull()) {
      vif.rx.sring.reqEvent = vif.rxReqConsPeek + 1;
      if (vif.queueFull()) vif.stopped = true;
    }
    this.schedule(g, true);
  }

  private rxBegin(gi: number, _now: number): number {
    const g = this.groups[gi];
    const q = g.rxQueue;
    const b = g.rxBatch;
    let count = 0;
    let bytes = 0;
    while (q.length > 0) {
      b.push(q.headFlow(), q.headKind(), q.headSize(), q.headT0(), q.headAt(), q.headAux());
      bytes += q.headSize();
      q.shift();
      count++;
      if (count + MAX_SKB_FRAGS >= NET_RX_RING_SIZE) break;
    }
    if (count === 0) return 0;
    const c = this.costs;
    // One multicall of `count` copy ops; one notification per VIF at most (estimated as
    // one per batch here: the exact count is known only after the pushes).
    return (
      c.hypercall +
      count * (c.netback_rx_packet + c.grant_copy_op) +
      (bytes / 1024) * c.grant_copy_kib +
      c.evtchn_send
    );
  }

  /** net_rx_action's completion half. Hot path: benchmarked by `io.netback`. */
  private rxEnd(gi: number): void {
    const g = this.groups[gi];
    g.rxScheduled = false;
    g.rxRuns++;
    const b = g.rxBatch;
    if (b.length > 0) this.hypercalls++;
    const gts = this.gts;
    const dom0Gt = this.dom0Gt;
    while (b.length > 0) {
      const vif = this.vifs[b.headFlow()];
      const size = b.headSize();
      const r = vif.rx;
      const s = r.sring;
      const idx = r.reqCons;
      const id = rxReqId(s, idx);
      const gref = rxReqGref(s, idx);
      r.reqCons = (idx + 1) >>> 0;
      const st = gts.copy(dom0Gt, dom0Gt, -1, 0, vif.guestGt, gref, 0, size);
      if (st === GNTST_okay) vif.front.fillRx(id, b.headKind(), b.headT0(), b.headAux());
      writeRxResponse(
        s,
        r.rspProdPvt,
        id,
        0,
        NETRXF_data_validated,
        st === GNTST_okay ? size : NETIF_RSP_ERROR,
      );
      r.rspProdPvt = (r.rspProdPvt + 1) >>> 0;
      b.shift();
      vif.toGuest++;
      vif.toGuestBytes += size;
      const notify = r.pushResponsesAndCheckNotify();
      vif.occSum += (s.rspProd - vif.front.rxRing.rspCons) >>> 0;
      vif.occN++;
      if (vif.smartPoll) {
        if (s.u8[RING_PVT_OFFSET] === 0) {
          this.notify(vif, true);
          s.u8[RING_PVT_OFFSET] = 1;
        }
      } else if (notify && !vif.notifyPending) {
        vif.notifyPending = true;
        this.notifyList.push(vif);
      }
      // netif_wake_queue once buffers are back.
      if (vif.stopped && !vif.queueFull()) this.wakeQueue(vif);
    }
    for (let i = 0; i < this.notifyList.length; i++) {
      const vif = this.notifyList[i];
      vif.notifyPending = false;
      this.notify(vif, true);
    }
    this.notifyList.length = 0;
    if (g.rxQueue.length > 0) this.schedule(g, true);
  }

  private notify(vif: NetbackVif, rx: boolean): void {
    this.evtchnSends++;
    if (rx) vif.rxNotifies++;
    else vif.txNotifies++;
    this.ev.send(this.dom0, vif.port);
  }

  /** netif_wake_queue: the qdisc drains into start_xmit until the queue stops again. */
  private wakeQueue(vif: NetbackVif): void {
    vif.stopped = false;
    const q = vif.qdisc;
    const now = this.k.now;
    while (q.length > 0 && !vif.stopped) {
      const kind = q.headKind();
      const size = q.headSize();
      const t0 = q.headT0();
      const aux = q.headAux();
      q.shift();
      this.startXmit(vif, kind, size, t0, aux, now);
    }
  }

  // ---- from the guest: netif_be_int and net_tx_action ----------------------------------

  /** netif_be_int: the front end pushed TX requests or RX buffers. */
  private beInt(vif: NetbackVif): void {
    const g = this.groups[vif.group];
    if (!vif.onSchedList) {
      vif.onSchedList = true;
      g.schedList.push(vif);
    }
    if (g.nrPending < MAX_PENDING_REQS / 2) this.schedule(g, false);
    if (vif.stopped && !vif.queueFull()) this.wakeQueue(vif);
  }

  private txBegin(gi: number, _now: number): number {
    const g = this.groups[gi];
    const d = g.dealloc.length;
    g.deallocTaken = d;
    const b = g.txBatch;
    let m = 0;
    let taken = 0;
    while (g.nrPending + taken + MAX_SKB_FRAGS < MAX_PENDING_REQS && g.schedList.length > 0) {
      const vif = g.schedList.shift()!;
      vif.onSchedList = false;
      if (!vif.tx.finalCheckForRequests()) continue;
      const idx = vif.tx.reqCons;
      vif.tx.reqCons = (idx + 1) >>> 0;
      b.push(vif.index, 0, 0, 0, 0, idx);
      taken++;
      m++;
      // netif_schedule_work: back on the list if it has more.
      if (vif.tx.finalCheckForRequests()) {
        vif.onSchedList = true;
        g.schedList.push(vif);
      }
    }
    const c = this.costs;
    return (
      (d > 0 ? c.hypercall + d * c.grant_unmap + c.evtchn_send : 0) +
      (m > 0 ? c.hypercall + m * (c.netback_tx_packet + c.grant_map + c.nic_tx_packet) : 0)
    );
  }

  private txEnd(gi: number): void {
    const g = this.groups[gi];
    g.txScheduled = false;
    g.txRuns++;
    // net_tx_action_dealloc: unmap and answer what the NIC has sent.
    const dq = g.dealloc;
    if (g.deallocTaken > 0) this.hypercalls++;
    for (let i = 0; i < g.deallocTaken; i++) {
      const vif = this.vifs[dq.headFlow()];
      const id = dq.headSize();
      const handle = dq.headT0();
      dq.shift();
      this.gts.unmap(this.dom0Gt, handle);
      this.makeTxResponse(vif, id, NETIF_RSP_OKAY);
      g.nrPending--;
    }
    const b = g.txBatch;
    if (b.length > 0) this.hypercalls++;
    while (b.length > 0) {
      const vif = this.vifs[b.headFlow()];
      const idx = b.headAux();
      b.shift();
      const s = vif.tx.sring;
      const id = txReqId(s, idx);
      const size = txReqSize(s, idx);
      const h = this.gts.map(this.dom0Gt, vif.guestGt, txReqGref(s, idx), GNTMAP_host_map | GNTMAP_readonly);
      if (h < 0) {
        this.makeTxResponse(vif, id, NETIF_RSP_ERROR);
        continue;
      }
      g.nrPending++;
      vif.fromGuest++;
      const f = vif.front;
      const dep = this.nic.transmit(vif.index, f.txKind[id], size, f.txT0[id], f.txAux[id]);
      if (size <= PKT_PROT_LEN) dq.push(vif.index, 0, id, h, dep, 0);
      else {
        g.inflight.push(vif.index, 0, id, h, dep, 0);
        if (!g.completion.armed) this.armCompletion(g);
      }
    }
    if (dq.length > 0 || (g.schedList.length > 0 && g.nrPending < MAX_PENDING_REQS / 2))
      this.schedule(g, false);
  }

  /** make_tx_response: push-and-check-notify per response (smart polling: the flag rule). */
  private makeTxResponse(vif: NetbackVif, id: number, status: number): void {
    const r = vif.tx;
    writeTxResponse(r.sring, r.rspProdPvt, id, status);
    r.rspProdPvt = (r.rspProdPvt + 1) >>> 0;
    const notify = r.pushResponsesAndCheckNotify();
    if (vif.smartPoll) {
      const rs = vif.rx.sring;
      if (rs.u8[RING_PVT_OFFSET] === 0) {
        this.notify(vif, false);
        rs.u8[RING_PVT_OFFSET] = 1;
      }
    } else if (notify) this.notify(vif, false);
  }

  /** TX completions are seen at the NIC's interrupt moderation (at most every 1/itr). */
  private armCompletion(g: NetbkGroup): void {
    const at = Math.max(g.inflight.headAt(), g.lastCompletion + 1e9 / this.nic.p.itr, this.k.now);
    g.completion.setAt(at);
  }

  private readonly onCompletion = (k: Kernel, gi: number): void => {
    const g = this.groups[gi];
    g.lastCompletion = k.now;
    const q = g.inflight;
    let n = 0;
    while (q.length > 0 && q.headAt() <= k.now) {
      g.dealloc.push(q.headFlow(), 0, q.headSize(), q.headT0(), q.headAt(), 0);
      q.shift();
      n++;
    }
    if (n > 0) this.schedule(g, false);
    if (q.length > 0) this.armCompletion(g);
  };

  resetStats(): void {
    this.hypercalls = 0;
    this.evtchnSends = 0;
    for (const v of this.vifs) v.resetStats();
    for (const g of this.groups) {
      g.rxRuns = 0;
      g.txRuns = 0;
    }
  }
}
