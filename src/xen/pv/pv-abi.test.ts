/**
 * The PV ABI pieces against Xen's headers: ring sizes and the notification protocol
 * (ring.h), event-channel bitmaps in shared_info (event_2l.c), grant-table checks and
 * pin counts (grant_table.c). Expected values are derived in the comments.
 */
import { describe, expect, it } from "vitest";
import {
  BLK_RING_SIZE,
  blkReqId,
  blkReqSector,
  blkSegBytes,
  writeBlkRequest,
  writeBlkSegment,
} from "./blkif.js";
import {
  ECS,
  EINVAL,
  ENOSPC,
  EVTCHNSTAT,
  EventChannels,
  SHARED_INFO_MASK,
  SHARED_INFO_PENDING,
} from "./evtchn.js";
import {
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_bad_copy_arg,
  GNTST_bad_gntref,
  GNTST_bad_handle,
  GNTST_general_error,
  GNTST_no_device_space,
  GNTST_okay,
  GrantTables,
  GTF_permit_access,
  GTF_reading,
  GTF_writing,
} from "./gnttab.js";
import { NET_RX_RING_SIZE, NET_TX_RING_SIZE, txReqSize, writeTxRequest } from "./netif.js";
import { BackRing, FrontRing, SharedRing } from "./ring.js";

describe("shared rings (ring.h)", () => {
  it("sizes: netif tx/rx 256 slots, blkif 32 requests", () => {
    // (4096 - 64) / 12 = 336 -> 256; / 8 = 504 -> 256; / 112 = 36 -> 32.
    expect(NET_TX_RING_SIZE).toBe(256);
    expect(NET_RX_RING_SIZE).toBe(256);
    expect(BLK_RING_SIZE).toBe(32);
  });

  it("SHARED_RING_INIT sets producers 0 and events 1, in the page's bytes", () => {
    const s = new SharedRing(12);
    expect(Array.from(s.u8.slice(0, 16))).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it("notifies only when the peer's event index lies in (old, new]", () => {
    const s = new SharedRing(12);
    const f = new FrontRing(s);
    const b = new BackRing(s);
    // req_event = 1: the first push of [0,1) notifies; the second does not.
    f.reqProdPvt = 1;
    expect(f.pushRequestsAndCheckNotify()).toBe(true);
    f.reqProdPvt = 3;
    expect(f.pushRequestsAndCheckNotify()).toBe(false);
    // The back end drains and goes idle: final check arms req_event = cons + 1 = 4.
    b.reqCons = 3;
    expect(b.finalCheckForRequests()).toBe(false);
    expect(s.reqEvent).toBe(4);
    f.reqProdPvt = 5;
    expect(f.pushRequestsAndCheckNotify()).toBe(true);
    expect(f.req).toMatchObject({ pushes: 3, entries: 5, notifies: 2, suppressed: 1 });
  });

  it("final check closes the race with a producer that published before the event was armed", () => {
    const s = new SharedRing(8);
    const f = new FrontRing(s);
    const b = new BackRing(s);
    f.reqProdPvt = 2;
    f.pushRequestsAndCheckNotify();
    b.reqCons = 1;
    expect(b.finalCheckForRequests()).toBe(true); // one still there: no arming needed
  });

  it("index arithmetic is modulo 2^32 across the wrap", () => {
    const s = new SharedRing(12);
    const f = new FrontRing(s);
    const b = new BackRing(s);
    const start = 0xffff_fffe;
    s.reqProd = start;
    s.rspProd = start;
    s.reqEvent = start + 1;
    f.reqProdPvt = start;
    f.rspCons = start;
    b.reqCons = start;
    b.rspProdPvt = start;
    f.reqProdPvt = (start + 4) >>> 0;
    expect(f.pushRequestsAndCheckNotify()).toBe(true);
    expect(b.unconsumedRequests()).toBe(4);
    expect(f.freeRequests()).toBe(252);
    writeTxRequest(s, 0xffff_ffff, 9, 0, 0, 1, 1514);
    expect(txReqSize(s, 0xffff_ffff)).toBe(1514);
    expect(s.slotOffset(0xffff_ffff)).toBe(64 + 255 * 12);
  });

  it("blkif requests keep 64-bit ids and sectors and segment byte counts", () => {
    const s = new SharedRing(112);
    writeBlkRequest(s, 3, 0, 1, 51712, 2 ** 40 + 5, 123456789);
    writeBlkSegment(s, 3, 0, 77, 0, 7);
    expect(blkReqId(s, 3)).toBe(2 ** 40 + 5);
    expect(blkReqSector(s, 3)).toBe(123456789);
    expect(blkSegBytes(s, 3, 0)).toBe(4096);
  });
});

describe("event channels, 2-level ABI (event_2l.c)", () => {
  function setup() {
    const kicks: number[] = [];
    const ev = new EventChannels({ kick: (v) => kicks.push(v) });
    const dom0 = ev.addDomain(0, [10, 11]);
    const guest = ev.addDomain(1, [20, 21, ...Array.from({ length: 40 }, (_, i) => 30 + i)]);
    return { ev, dom0, guest, kicks };
  }

  it("split-driver setup: alloc_unbound in the front end, bind_interdomain in the back end", () => {
    const { ev, dom0, guest } = setup();
    const fp = ev.allocUnbound(guest, dom0);
    expect(fp).toBe(1); // port 0 is reserved
    expect(ev.status(guest, fp)).toBe(EVTCHNSTAT.unbound);
    const bp = ev.bindInterdomain(dom0, guest, fp);
    expect(bp).toBe(1);
    expect(ev.status(guest, fp)).toBe(EVTCHNSTAT.interdomain);
    expect(ev.bindInterdomain(dom0, guest, 99)).toBe(EINVAL);
  });

  it("a send sets the pending bit, the selector bit and upcall_pending, and kicks the vCPU once", () => {
    const { ev, dom0, guest, kicks } = setup();
    const fp = ev.allocUnbound(guest, dom0);
    const bp = ev.bindInterdomain(dom0, guest, fp);
    kicks.length = 0;
    ev.send(dom0, bp);
    ev.send(dom0, bp); // merges with the pending event
    expect(kicks).toEqual([20]);
    expect(guest.sharedInfo[SHARED_INFO_PENDING] & 0b10).toBe(0b10); // bit 1 of pending[0]
    expect(guest.sharedInfo[8]).toBe(1); // vcpu_info[0].evtchn_pending_sel bit 0
    expect(guest.sharedInfo[0]).toBe(1); // evtchn_upcall_pending
    expect(guest.merged).toBe(1);
    const seen: number[] = [];
    expect(ev.upcallScan(guest, 0, (p) => seen.push(p))).toBe(1);
    expect(seen).toEqual([fp]);
    expect(guest.sharedInfo[0]).toBe(0);
    expect(guest.isPending(fp)).toBe(false);
  });

  it("a masked port stays pending without an upcall, and unmask replays the edge", () => {
    const { ev, dom0, guest, kicks } = setup();
    const fp = ev.allocUnbound(guest, dom0);
    const bp = ev.bindInterdomain(dom0, guest, fp);
    kicks.length = 0;
    guest.mask(fp);
    expect(guest.sharedInfo[SHARED_INFO_MASK] & 0b10).toBe(0b10);
    ev.send(dom0, bp);
    expect(kicks).toEqual([]);
    ev.unmask(guest, fp);
    expect(kicks).toEqual([20]);
  });

  it("bind_vcpu moves delivery; vCPUs beyond 32 keep vcpu_info outside shared_info", () => {
    const { ev, dom0, guest, kicks } = setup();
    const fp = ev.allocUnbound(guest, dom0);
    const bp = ev.bindInterdomain(dom0, guest, fp);
    kicks.length = 0;
    expect(ev.bindVcpu(guest, fp, 35)).toBe(0);
    ev.send(dom0, bp);
    expect(kicks).toEqual([30 + 33]);
    expect(guest.upcallPending(35)).toBe(1);
    // vcpu_info[35] is not in shared_info: byte 35 * 64 = 2240 there is evtchn_pending[24], untouched.
    expect(guest.sharedInfo[35 * 64]).toBe(0);
  });

  it("the per-domain limit gives -ENOSPC; close returns the peer to unbound", () => {
    const kicks: number[] = [];
    const ev = new EventChannels({ kick: (v) => kicks.push(v) });
    const a = ev.addDomain(0, [0], 3);
    const b = ev.addDomain(1, [1], 3);
    expect([
      ev.allocUnbound(a, b),
      ev.allocUnbound(a, b),
      ev.allocUnbound(a, b),
      ev.allocUnbound(a, b),
    ]).toEqual([1, 2, 3, ENOSPC]);
    const bp = ev.bindInterdomain(b, a, 1);
    expect(ev.close(b, bp)).toBe(0);
    expect(a.state[1]).toBe(ECS.unbound);
    expect(ev.send(b, bp)).toBe(EINVAL);
  });
});

describe("grant tables v1 (grant_table.c)", () => {
  function setup() {
    const gt = new GrantTables(1, 1);
    const dom0 = gt.addDomain(0);
    const guest = gt.addDomain(1);
    return { gt, dom0, guest };
  }

  it("references start after the 8 reserved entries and the table grows to its frame limit", () => {
    const { guest } = setup();
    expect(guest.claimRef()).toBe(8);
    for (let i = 9; i < 512; i++) expect(guest.claimRef()).toBe(i);
    expect(guest.claimRef()).toBe(-1); // max 1 frame here
    expect(guest.refExhausted).toBe(1);
  });

  it("map sets GTF_reading/GTF_writing and pins; the grant cannot be revoked until unmapped", () => {
    const { gt, dom0, guest } = setup();
    const ref = guest.claimRef();
    guest.grantAccess(ref, 0, 1234, false);
    const h = gt.map(dom0, guest, ref, GNTMAP_host_map);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(guest.flags[ref]).toBe(GTF_permit_access | GTF_reading | GTF_writing);
    expect(guest.endAccess(ref)).toBe(false);
    expect(gt.unmap(dom0, h)).toBe(GNTST_okay);
    expect(guest.flags[ref]).toBe(GTF_permit_access);
    expect(gt.unmap(dom0, h)).toBe(GNTST_bad_handle);
    expect(guest.endAccess(ref)).toBe(true);
  });

  it("refuses a wrong grantee, a writable map of a readonly grant, a bad ref, and a full maptrack", () => {
    const { gt, dom0, guest } = setup();
    const ref = guest.claimRef();
    guest.grantAccess(ref, 5, 1, true);
    expect(gt.map(dom0, guest, ref, GNTMAP_host_map | GNTMAP_readonly)).toBe(GNTST_general_error);
    guest.grantAccess(ref, 0, 1, true);
    expect(gt.map(dom0, guest, ref, GNTMAP_host_map)).toBe(GNTST_general_error);
    expect(gt.map(dom0, guest, 4096, GNTMAP_host_map)).toBe(GNTST_bad_gntref);
    for (let i = 0; i < 256; i++) expect(gt.map(dom0, guest, ref, GNTMAP_host_map | GNTMAP_readonly)).toBe(i);
    expect(gt.map(dom0, guest, ref, GNTMAP_host_map | GNTMAP_readonly)).toBe(GNTST_no_device_space);
    expect(gt.stats.errors.get(GNTST_general_error)).toBe(2);
  });

  it("copy checks the page bounds and the destination's write permission", () => {
    const { gt, dom0, guest } = setup();
    const ref = guest.claimRef();
    guest.grantAccess(ref, 0, 1, false);
    expect(gt.copy(dom0, dom0, -1, 0, guest, ref, 0, 1514)).toBe(GNTST_okay);
    expect(gt.copy(dom0, dom0, -1, 0, guest, ref, 3000, 1514)).toBe(GNTST_bad_copy_arg);
    guest.grantAccess(ref, 0, 1, true);
    expect(gt.copy(dom0, dom0, -1, 0, guest, ref, 0, 64)).toBe(GNTST_general_error);
    expect(guest.flags[ref] & (GTF_reading | GTF_writing)).toBe(0);
    expect(gt.stats.copyBytes).toBe(1514);
  });
});
