/**
 * Event channels, 2-level ABI: `xen/common/event_channel.c` (ports, bind, send, close,
 * status) and `xen/common/event_2l.c` (pending/mask bitmaps, the per-vCPU selector),
 * with the shared_info and vcpu_info bytes of `xen/include/public/xen.h` for x86_64
 * (spec interfaces.md 3.1).
 *
 * Design. Each domain has a real 4 KiB shared_info page: vcpu_info[32] at 0 (64 bytes
 * each: upcall_pending @0, upcall_mask @1, pending_sel u64 @8), evtchn_pending[64] at
 * 2048 and evtchn_mask[64] at 2560. Bit p of a u64 bitmap is bit (p & 7) of byte
 * (p >> 3), so the bitmaps are handled byte-wise. vCPUs 32 and up keep their vcpu_info
 * in a separate buffer (as VCPUOP_register_vcpu_info places it).
 * Raising port p for vCPU v (evtchn_2l_set_pending): test-and-set pending[p]; if it was
 * clear and mask[p] is clear, test-and-set bit p/64 of v's pending_sel; if that was
 * clear, vcpu_mark_events_pending: test-and-set upcall_pending and, if it was clear,
 * kick the vCPU (vcpu_kick: unblock it through the scheduler, or IPI it if running).
 * The kick is injected (STYLE 2): the layer above wakes the vCPU and runs the upcall.
 * Unmask replays the edge lost while masked (evtchn_2l_unmask). `upcallScan` is the
 * guest's side (Linux xen_evtchn_do_upcall): clear upcall_pending, swap the selector
 * with 0, and for each word handle pending & ~mask, clearing each pending bit first.
 *
 * Limits: the ABI holds 64 x 64 = 4096 ports (EVTCHN_2L_NR_CHANNELS, 64-bit guest);
 * `maxPorts` is the per-domain limit (libxl's max_event_channels default 1023 since
 * Xen 4.4; before that only the ABI bound). Port 0 is reserved (evtchn_init).
 * Errors are Xen's return values (-ENOSPC, -EINVAL, -ESRCH ...), not exceptions.
 */

/** EVTCHN_2L_NR_CHANNELS for a 64-bit guest: BITS_PER_LONG squared. */
export const EVTCHN_2L_NR_CHANNELS = 4096;
/** XEN_LEGACY_MAX_VCPUS: vcpu_info slots inside shared_info. */
export const XEN_LEGACY_MAX_VCPUS = 32;
export const VCPU_INFO_SIZE = 64;
export const SHARED_INFO_PENDING = 2048;
export const SHARED_INFO_MASK = 2560;
const SEL_OFFSET = 8;

/** Xen's internal channel states (ECS_*, xen/include/xen/sched.h). */
export const ECS = { free: 0, reserved: 1, unbound: 2, interdomain: 3, pirq: 4, virq: 5, ipi: 6 } as const;
/** EVTCHNSTAT_* as EVTCHNOP_status reports them. */
export const EVTCHNSTAT = { closed: 0, unbound: 1, interdomain: 2, pirq: 3, virq: 4, ipi: 5 } as const;
/** EVTCHNOP_* sub-op numbers of __HYPERVISOR_event_channel_op (32). */
export const EVTCHNOP = {
  bind_interdomain: 0,
  bind_virq: 1,
  bind_pirq: 2,
  close: 3,
  send: 4,
  status: 5,
  alloc_unbound: 6,
  bind_ipi: 7,
  bind_vcpu: 8,
  unmask: 9,
  reset: 10,
} as const;

/** Errno values Xen returns (negated). */
export const EINVAL = -22;
export const ENOSPC = -28;
export const ESRCH = -3;
export const EPERM = -1;
export const ENOENT = -2;

/** What the scheduler side does when a vCPU gets events (vcpu_kick). */
export interface EvtchnKick {
  kick(hostVcpu: number): void;
}

/** Per-domain event-channel state. */
export class EvtchnDomain {
  readonly sharedInfo = new Uint8Array(4096);
  /** vcpu_info of vCPUs >= 32 (registered elsewhere). */
  private readonly extra: Uint8Array;
  /** Channel state per port (ECS_*). */
  readonly state: Uint8Array;
  /** notify_vcpu_id per port. */
  readonly notifyVcpu: Uint16Array;
  /** Remote domain index (into the EventChannels domain list) and port, for unbound/interdomain. */
  readonly remoteDom: Int32Array;
  readonly remotePort: Int32Array;
  /** VIRQ or PIRQ number per port. */
  readonly irqNum: Int32Array;
  /** Ports raised, merged into an already-pending event, raised while masked, upcalls kicked. */
  sets = 0;
  merged = 0;
  maskedSets = 0;
  kicks = 0;

  constructor(
    /** Position in EventChannels.domains. */
    readonly index: number,
    readonly domid: number,
    /** Host vCPU index of each of its vCPUs (vcpu_id order). */
    readonly hostVcpus: readonly number[],
    readonly maxPorts: number,
  ) {
    this.extra = new Uint8Array(Math.max(0, hostVcpus.length - XEN_LEGACY_MAX_VCPUS) * VCPU_INFO_SIZE);
    this.state = new Uint8Array(maxPorts);
    this.notifyVcpu = new Uint16Array(maxPorts);
    this.remoteDom = new Int32Array(maxPorts).fill(-1);
    this.remotePort = new Int32Array(maxPorts).fill(-1);
    this.irqNum = new Int32Array(maxPorts).fill(-1);
    this.state[0] = ECS.reserved;
  }

  get nrVcpus(): number {
    return this.hostVcpus.length;
  }

  /** Buffer and byte offset of vcpu_info for `vcpuId`. */
  private vi(vcpuId: number): Uint8Array {
    return vcpuId < XEN_LEGACY_MAX_VCPUS ? this.sharedInfo : this.extra;
  }
  private viOff(vcpuId: number): number {
    return (vcpuId < XEN_LEGACY_MAX_VCPUS ? vcpuId : vcpuId - XEN_LEGACY_MAX_VCPUS) * VCPU_INFO_SIZE;
  }

  upcallPending(vcpuId: number): number {
    return this.vi(vcpuId)[this.viOff(vcpuId)];
  }
  upcallMask(vcpuId: number): number {
    return this.vi(vcpuId)[this.viOff(vcpuId) + 1];
  }
  setUpcallMask(vcpuId: number, masked: boolean): void {
    this.vi(vcpuId)[this.viOff(vcpuId) + 1] = masked ? 1 : 0;
  }
  /** Bit `word` of evtchn_pending_sel. */
  selBit(vcpuId: number, word: number): number {
    return (this.vi(vcpuId)[this.viOff(vcpuId) + SEL_OFFSET + (word >> 3)] >> (word & 7)) & 1;
  }
  isPending(port: number): boolean {
    return ((this.sharedInfo[SHARED_INFO_PENDING + (port >> 3)] >> (port & 7)) & 1) === 1;
  }
  isMasked(port: number): boolean {
    return ((this.sharedInfo[SHARED_INFO_MASK + (port >> 3)] >> (port & 7)) & 1) === 1;
  }
  /** Guest writes its mask bit (mask_evtchn). */
  mask(port: number): void {
    this.sharedInfo[SHARED_INFO_MASK + (port >> 3)] |= 1 << (port & 7);
  }

  /** test_and_set on a bit of the shared page; returns the old bit. */
  testAndSet(buf: Uint8Array, byte: number, bit: number): number {
    const old = (buf[byte] >> bit) & 1;
    buf[byte] |= 1 << bit;
    return old;
  }

  /** get_free_port: the lowest free port, or -ENOSPC. */
  freePort(): number {
    const st = this.state;
    for (let p = 1; p < st.length; p++) if (st[p] === ECS.free) return p;
    return ENOSPC;
  }

  /** Marks the selector bit and upcall_pending for `vcpuId`; returns true if the vCPU must be kicked. */
  markSelector(vcpuId: number, port: number): boolean {
    const buf = this.vi(vcpuId);
    const o = this.viOff(vcpuId);
    const word = port >> 6;
    if (this.testAndSet(buf, o + SEL_OFFSET + (word >> 3), word & 7)) return false;
    // vcpu_mark_events_pending
    if (this.testAndSet(buf, o, 0)) return false;
    return true;
  }

  /** Guest side: clear upcall_pending and swap pending_sel with 0; returns the selector's 8 bytes as bits in `out`. */
  takeSelector(vcpuId: number, out: Uint8Array): void {
    const buf = this.vi(vcpuId);
    const o = this.viOff(vcpuId);
    buf[o] = 0;
    for (let i = 0; i < 8; i++) {
      out[i] = buf[o + SEL_OFFSET + i];
      buf[o + SEL_OFFSET + i] = 0;
    }
  }
}

export class EventChannels {
  readonly domains: EvtchnDomain[] = [];
  private readonly sel = new Uint8Array(8);
  sends = 0;

  constructor(private readonly kicker: EvtchnKick) {}

  /** evtchn_init for a new domain. */
  addDomain(domid: number, hostVcpus: readonly number[], maxPorts = EVTCHN_2L_NR_CHANNELS): EvtchnDomain {
    const d = new EvtchnDomain(
      this.domains.length,
      domid,
      hostVcpus,
      Math.min(maxPorts + 1, EVTCHN_2L_NR_CHANNELS),
    );
    this.domains.push(d);
    return d;
  }

  byDomid(domid: number): EvtchnDomain | undefined {
    return this.domains.find((d) => d.domid === domid);
  }

  /** EVTCHNOP_alloc_unbound: a port in `d` that `remote` may bind to; the port or -errno. */
  allocUnbound(d: EvtchnDomain, remote: EvtchnDomain): number {
    const p = d.freePort();
    if (p < 0) return p;
    d.state[p] = ECS.unbound;
    d.remoteDom[p] = remote.index;
    d.remotePort[p] = -1;
    d.notifyVcpu[p] = 0;
    return p;
  }

  /**
   * EVTCHNOP_bind_interdomain: binds a new port of `local` to `remote`'s unbound port,
   * which must have been allocated for `local`. Returns the local port or -errno.
   */
  bindInterdomain(local: EvtchnDomain, remote: EvtchnDomain, remotePort: number): number {
    if (remotePort <= 0 || remotePort >= remote.maxPorts) return EINVAL;
    if (remote.state[remotePort] !== ECS.unbound || remote.remoteDom[remotePort] !== local.index)
      return EINVAL;
    const p = local.freePort();
    if (p < 0) return p;
    local.state[p] = ECS.interdomain;
    local.remoteDom[p] = remote.index;
    local.remotePort[p] = remotePort;
    local.notifyVcpu[p] = 0;
    remote.state[remotePort] = ECS.interdomain;
    remote.remotePort[remotePort] = p;
    // The binding may have raced with a send on the remote end: Xen sets the local port pending.
    this.setPending(local, 0, p);
    return p;
  }

  /** EVTCHNOP_bind_pirq/bind_virq (the parts a model needs): a port for a physical or virtual IRQ. */
  bindIrq(d: EvtchnDomain, kind: "pirq" | "virq", irq: number, vcpuId = 0): number {
    const p = d.freePort();
    if (p < 0) return p;
    d.state[p] = kind === "pirq" ? ECS.pirq : ECS.virq;
    d.irqNum[p] = irq;
    d.notifyVcpu[p] = vcpuId;
    return p;
  }

  /** EVTCHNOP_bind_vcpu: later events on `port` go to `vcpuId`. */
  bindVcpu(d: EvtchnDomain, port: number, vcpuId: number): number {
    if (port <= 0 || port >= d.maxPorts || d.state[port] === ECS.free) return EINVAL;
    if (vcpuId < 0 || vcpuId >= d.nrVcpus) return ENOENT;
    d.notifyVcpu[port] = vcpuId;
    return 0;
  }

  /** EVTCHNOP_close: frees the port; an interdomain peer falls back to unbound. */
  close(d: EvtchnDomain, port: number): number {
    if (port <= 0 || port >= d.maxPorts) return EINVAL;
    const st = d.state[port];
    if (st === ECS.free || st === ECS.reserved) return EINVAL;
    if (st === ECS.interdomain) {
      const r = this.domains[d.remoteDom[port]];
      const rp = d.remotePort[port];
      r.state[rp] = ECS.unbound;
      r.remoteDom[rp] = d.index;
      r.remotePort[rp] = -1;
    }
    d.state[port] = ECS.free;
    d.remoteDom[port] = -1;
    d.remotePort[port] = -1;
    d.irqNum[port] = -1;
    return 0;
  }

  /** EVTCHNOP_status: EVTCHNSTAT_* of a port, or -errno. */
  status(d: EvtchnDomain, port: number): number {
    if (port < 0 || port >= d.maxPorts) return EINVAL;
    switch (d.state[port]) {
      case ECS.free:
      case ECS.reserved:
        return EVTCHNSTAT.closed;
      case ECS.unbound:
        return EVTCHNSTAT.unbound;
      case ECS.interdomain:
        return EVTCHNSTAT.interdomain;
      case ECS.pirq:
        return EVTCHNSTAT.pirq;
      case ECS.virq:
        return EVTCHNSTAT.virq;
      default:
        return EVTCHNSTAT.ipi;
    }
  }

  /**
   * EVTCHNOP_send from `d` on `port`: raises the remote end of an interdomain channel
   * (on its notify vCPU). An unbound port swallows the event; others are -EINVAL.
   * Hot path: benchmarked by `io.netback`.
   */
  send(d: EvtchnDomain, port: number): number {
    if (port <= 0 || port >= d.maxPorts) return EINVAL;
    const st = d.state[port];
    this.sends++;
    if (st === ECS.interdomain) {
      const r = this.domains[d.remoteDom[port]];
      const rp = d.remotePort[port];
      this.setPending(r, r.notifyVcpu[rp], rp);
      return 0;
    }
    if (st === ECS.ipi) {
      this.setPending(d, d.notifyVcpu[port], port);
      return 0;
    }
    if (st === ECS.unbound) return 0;
    return EINVAL;
  }

  /** A physical or virtual IRQ fires (send_guest_pirq / send_guest_vcpu_virq). */
  raise(d: EvtchnDomain, port: number): void {
    this.setPending(d, d.notifyVcpu[port], port);
  }

  /** evtchn_2l_set_pending. */
  setPending(d: EvtchnDomain, vcpuId: number, port: number): void {
    d.sets++;
    const si = d.sharedInfo;
    if (d.testAndSet(si, SHARED_INFO_PENDING + (port >> 3), port & 7)) {
      d.merged++;
      return;
    }
    if (d.isMasked(port)) {
      d.maskedSets++;
      return;
    }
    if (d.markSelector(vcpuId, port)) {
      d.kicks++;
      this.kicker.kick(d.hostVcpus[vcpuId]);
    }
  }

  /** EVTCHNOP_unmask (evtchn_2l_unmask): clears the mask and replays a pending edge. */
  unmask(d: EvtchnDomain, port: number): number {
    if (port <= 0 || port >= d.maxPorts) return EINVAL;
    const byte = SHARED_INFO_MASK + (port >> 3);
    const bit = 1 << (port & 7);
    const was = (d.sharedInfo[byte] & bit) !== 0;
    d.sharedInfo[byte] &= ~bit;
    if (was && d.isPending(port)) {
      const v = d.notifyVcpu[port];
      if (d.markSelector(v, port)) {
        d.kicks++;
        this.kicker.kick(d.hostVcpus[v]);
      }
    }
    return 0;
  }

  /**
   * The guest's upcall handler on `vcpuId` (Linux xen_evtchn_do_upcall, 2-level):
   * clear upcall_pending, take the selector, and call `visit(port)` for every pending,
   * unmasked port of each selected word (lowest first), clearing its pending bit first.
   * Returns the number of ports handled.
   */
  upcallScan(d: EvtchnDomain, vcpuId: number, visit: (port: number) => void): number {
    const sel = this.sel;
    d.takeSelector(vcpuId, sel);
    const si = d.sharedInfo;
    let n = 0;
    for (let sb = 0; sb < 8; sb++) {
      let s = sel[sb];
      while (s !== 0) {
        const lo = 31 - Math.clz32(s & -s);
        s &= s - 1;
        const word = sb * 8 + lo;
        for (let b = 0; b < 8; b++) {
          const pb = SHARED_INFO_PENDING + word * 8 + b;
          let bits = si[pb] & ~si[SHARED_INFO_MASK + word * 8 + b] & 0xff;
          while (bits !== 0) {
            const bit = 31 - Math.clz32(bits & -bits);
            bits &= bits - 1;
            si[pb] &= ~(1 << bit);
            n++;
            visit(word * 64 + b * 8 + bit);
          }
        }
      }
    }
    return n;
  }

  /** Pending, unmasked ports in the words `vcpuId`'s selector names (what an upcall would handle now). */
  pendingFor(d: EvtchnDomain, vcpuId: number): number {
    let n = 0;
    const si = d.sharedInfo;
    for (let word = 0; word < 64; word++) {
      if (d.selBit(vcpuId, word) === 0) continue;
      for (let b = 0; b < 8; b++) {
        let bits = si[SHARED_INFO_PENDING + word * 8 + b] & ~si[SHARED_INFO_MASK + word * 8 + b] & 0xff;
        while (bits !== 0) {
          bits &= bits - 1;
          n++;
        }
      }
    }
    return n;
  }
}
