/**
 * Shared I/O rings as Xen defines them in `xen/include/public/io/ring.h`: one 4 KiB page
 * with a 64-byte header (req_prod, req_event, rsp_prod, rsp_event, a 4-byte private
 * union, 44 bytes of pad) followed by a power-of-two array of request/response slots,
 * plus each end's private indexes (front: req_prod_pvt, rsp_cons; back: rsp_prod_pvt,
 * req_cons). The page is real bytes (little-endian, as on x86), so a test can lay a C
 * struct over it; the entry layouts live in netif.ts and blkif.ts.
 *
 * Design. Indexes are free-running u32 (all arithmetic `>>> 0`); a slot is `idx & mask`.
 * The notification-avoidance protocol is the macros', step for step:
 *   PUSH_*_AND_CHECK_NOTIFY: publish the private producer; notify only if the peer's
 *     event index lies in (old, new]: `(new - event) < (new - old)` as u32.
 *   FINAL_CHECK_FOR_*: if nothing is pending, arm `event = cons + 1` and look again
 *     (closes the race with a producer that published just before the event was armed).
 * Each ring counts pushes, notifications sent and suppressed, so notifications per
 * packet come out of the protocol (spec interfaces.md 2).
 *
 * Invariants: 0 <= req_prod - rsp_prod_pvt <= nr_ents for a well-behaved front end;
 * a back end that sees more (RING_REQUEST_PROD_OVERFLOW) counts a rogue front end.
 */

/** Ring page size (PAGE_SIZE on x86). */
export const RING_PAGE_SIZE = 4096;
/** Bytes before ring[] in struct __name##_sring. */
export const RING_HEADER_SIZE = 64;
/** Byte offset of the private union (netif `smartpoll_active` in the 2009 tree). */
export const RING_PVT_OFFSET = 16;

/** __RD32: the largest power of two <= x. */
export function roundDownPow2(x: number): number {
  if (x < 1) return 0;
  return 2 ** Math.floor(Math.log2(x));
}

/** __CONST_RING_SIZE: slots in a one-page ring whose entry is max(sizeof req, sizeof rsp). */
export function ringSize(entrySize: number, pageSize = RING_PAGE_SIZE): number {
  return roundDownPow2(Math.floor((pageSize - RING_HEADER_SIZE) / entrySize));
}

/** Counters of one direction of a ring (requests or responses). */
export class PushStats {
  /** Pushes that published at least one new entry. */
  pushes = 0;
  /** Entries published. */
  entries = 0;
  /** Pushes after which the macro said "notify". */
  notifies = 0;
  /** Pushes after which it said "no need". */
  suppressed = 0;

  reset(): void {
    this.pushes = 0;
    this.entries = 0;
    this.notifies = 0;
    this.suppressed = 0;
  }
}

/** The shared page: header and slots. */
export class SharedRing {
  readonly page: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly nrEnts: number;
  readonly mask: number;

  constructor(
    /** max(sizeof request, sizeof response) in bytes. */
    readonly entrySize: number,
  ) {
    this.page = new ArrayBuffer(RING_PAGE_SIZE);
    this.u8 = new Uint8Array(this.page);
    this.u16 = new Uint16Array(this.page);
    this.u32 = new Uint32Array(this.page);
    this.nrEnts = ringSize(entrySize);
    this.mask = this.nrEnts - 1;
    this.init();
  }

  /** SHARED_RING_INIT: producers 0, events 1, private union and pad 0. */
  init(): void {
    this.u8.fill(0, 0, RING_HEADER_SIZE);
    this.u32[1] = 1;
    this.u32[3] = 1;
  }

  get reqProd(): number {
    return this.u32[0];
  }
  set reqProd(v: number) {
    this.u32[0] = v >>> 0;
  }
  get reqEvent(): number {
    return this.u32[1];
  }
  set reqEvent(v: number) {
    this.u32[1] = v >>> 0;
  }
  get rspProd(): number {
    return this.u32[2];
  }
  set rspProd(v: number) {
    this.u32[2] = v >>> 0;
  }
  get rspEvent(): number {
    return this.u32[3];
  }
  set rspEvent(v: number) {
    this.u32[3] = v >>> 0;
  }

  /** Byte offset of the slot holding index `idx` (RING_GET_REQUEST / _RESPONSE). */
  slotOffset(idx: number): number {
    return RING_HEADER_SIZE + (idx & this.mask) * this.entrySize;
  }
}

/** The front end's private view (struct __name##_front_ring). */
export class FrontRing {
  reqProdPvt = 0;
  rspCons = 0;
  readonly req = new PushStats();

  constructor(readonly sring: SharedRing) {}

  get nrEnts(): number {
    return this.sring.nrEnts;
  }

  /** RING_FREE_REQUESTS. */
  freeRequests(): number {
    return this.sring.nrEnts - ((this.reqProdPvt - this.rspCons) >>> 0);
  }

  /** RING_FULL. */
  full(): boolean {
    return this.freeRequests() === 0;
  }

  /** RING_HAS_UNCONSUMED_RESPONSES. */
  unconsumedResponses(): number {
    return (this.sring.rspProd - this.rspCons) >>> 0;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publishes req_prod_pvt; true if the back end must be notified. */
  pushRequestsAndCheckNotify(): boolean {
    const s = this.sring;
    const old = s.reqProd;
    const nw = this.reqProdPvt >>> 0;
    s.reqProd = nw;
    const pushed = (nw - old) >>> 0;
    if (pushed === 0) return false;
    const notify = (nw - s.reqEvent) >>> 0 < pushed;
    const st = this.req;
    st.pushes++;
    st.entries += pushed;
    if (notify) st.notifies++;
    else st.suppressed++;
    return notify;
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: true if responses are waiting; otherwise arms rsp_event. */
  finalCheckForResponses(): boolean {
    if (this.unconsumedResponses() > 0) return true;
    this.sring.rspEvent = this.rspCons + 1;
    return this.unconsumedResponses() > 0;
  }

  /** RING_RESPONSE_PROD_OVERFLOW: the back end claims more responses than requests (rogue). */
  responseProdOverflow(prod: number): boolean {
    return (prod - this.rspCons) >>> 0 > this.sring.nrEnts;
  }
}

/** The back end's private view (struct __name##_back_ring). */
export class BackRing {
  rspProdPvt = 0;
  reqCons = 0;
  readonly rsp = new PushStats();

  constructor(readonly sring: SharedRing) {}

  get nrEnts(): number {
    return this.sring.nrEnts;
  }

  /** RING_HAS_UNCONSUMED_REQUESTS: min(req_prod - req_cons, nr_ents - (req_cons - rsp_prod_pvt)). */
  unconsumedRequests(): number {
    const req = (this.sring.reqProd - this.reqCons) >>> 0;
    const rsp = this.sring.nrEnts - ((this.reqCons - this.rspProdPvt) >>> 0);
    return Math.min(req, rsp);
  }

  /** RING_REQUEST_CONS_OVERFLOW: consuming `cons` would pass the responses not yet produced. */
  requestConsOverflow(cons: number): boolean {
    return (cons - this.rspProdPvt) >>> 0 >= this.sring.nrEnts;
  }

  /** RING_REQUEST_PROD_OVERFLOW: the front end published more than the ring holds (rogue). */
  requestProdOverflow(prod: number): boolean {
    return (prod - this.rspProdPvt) >>> 0 > this.sring.nrEnts;
  }

  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publishes rsp_prod_pvt; true if the front end must be notified. */
  pushResponsesAndCheckNotify(): boolean {
    const s = this.sring;
    const old = s.rspProd;
    const nw = this.rspProdPvt >>> 0;
    s.rspProd = nw;
    const pushed = (nw - old) >>> 0;
    if (pushed === 0) return false;
    const notify = (nw - s.rspEvent) >>> 0 < pushed;
    const st = this.rsp;
    st.pushes++;
    st.entries += pushed;
    if (notify) st.notifies++;
    else st.suppressed++;
    return notify;
  }

  /** RING_FINAL_CHECK_FOR_REQUESTS: true if requests are waiting; otherwise arms req_event. */
  finalCheckForRequests(): boolean {
    if (this.unconsumedRequests() > 0) return true;
    this.sring.reqEvent = this.reqCons + 1;
    return this.unconsumedRequests() > 0;
  }
}
