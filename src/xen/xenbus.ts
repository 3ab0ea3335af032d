/**
 * The xenbus split-driver handshake: front end in a guest, back end in dom0, meeting
 * through xenstore `state` nodes and watches.
 *
 * Source: Xen `xen/include/public/io/xenbus.h` (enum xenbus_state), Linux
 * `drivers/net/xen-netback/xenbus.c` + `drivers/net/xen-netfront.c` (vif),
 * `drivers/block/xen-blkback/xenbus.c` + `xen-blkfront.c` (vbd), `drivers/usb/host/xen-hcd.c`
 * (vusb front end), `tools/libs/light/libxl_device.c` (the toolstack's part: device
 * directories, hotplug, removal), and `docs/misc/xenstore-paths.pandoc`.
 *
 * Design. Each side is a small state machine driven by watch events on its own
 * xenstore connection (so permission checks are real): the back end watches its own
 * directory and the front end's `state`; the front end watches the back end's `state`.
 * On every event a side re-reads what it needs and acts, so spurious events are harmless.
 * Connect: back end probes, writes its feature keys, goes InitWait (2); the toolstack's
 * hotplug step writes `hotplug-status = connected` (and `physical-device` for vbd); the
 * front end, seeing InitWait, writes its ring and event-channel keys in one transaction
 * and goes Connected (4, netfront) or Initialised (3, blkfront, xen-hcd); the back end,
 * seeing that (and hotplug done), reads the keys and goes Connected; blkfront and
 * xen-hcd then follow to Connected. Teardown: the toolstack writes `online = 0` and
 * back-end `state = 5`; the front end goes Closing then Closed; the back end, seeing
 * Closed with online 0, goes Closed and the toolstack removes the directories. A front
 * end returning to Initialising while the back end is Closed (and online) reconnects:
 * the back end goes back to InitWait.
 * Every transition goes through `xenbusTransition`, which refuses edges the Linux
 * drivers never take.
 */
import type { XsConnection } from "./xenstore/xs-connection.js";
import { isErrno } from "./xenstore/xs-wire.js";

/** enum xenbus_state (xenbus.h). Written to `<dir>/state` as a decimal string. */
export const XenbusState = {
  Unknown: 0,
  Initialising: 1,
  InitWait: 2,
  Initialised: 3,
  Connected: 4,
  Closing: 5,
  Closed: 6,
  Reconfiguring: 7,
  Reconfigured: 8,
} as const;
export type XenbusStateName = keyof typeof XenbusState;
export type XenbusStateCode = (typeof XenbusState)[XenbusStateName];

const NAMES = Object.keys(XenbusState) as XenbusStateName[];
export function xenbusStateName(code: number): string {
  return NAMES[code] ?? `Invalid(${code})`;
}

export type XenbusSide = "frontend" | "backend";

/**
 * Legal edges per side. Unknown -> Initialising is the device appearing; Closed ->
 * Initialising (front end) and Closed -> InitWait (back end) are the reconnect path;
 * any state may go to Closing or Closed when the peer or toolstack tears down.
 */
const EDGES: Record<XenbusSide, Readonly<Record<number, readonly number[]>>> = {
  frontend: {
    0: [1],
    1: [3, 4, 5, 6],
    2: [5, 6],
    3: [4, 5, 6],
    4: [5, 6, 7],
    5: [6],
    6: [1, 5],
    7: [8, 5, 6],
    8: [4, 5, 6],
  },
  backend: {
    0: [1],
    1: [2, 5, 6],
    2: [4, 5, 6],
    3: [5, 6],
    4: [5, 6, 7],
    5: [6],
    6: [1, 2, 5],
    7: [8, 5, 6],
    8: [4, 5, 6],
  },
};

export class XenbusTransitionError extends Error {
  override name = "XenbusTransitionError";
}

/** The new state, or an error for an edge the drivers never take. A no-op (from === to) is allowed. */
export function xenbusTransition(side: XenbusSide, from: number, to: number): number {
  if (from === to) return to;
  if (!EDGES[side][from]?.includes(to)) {
    throw new XenbusTransitionError(
      `${side}: illegal xenbus transition ${xenbusStateName(from)} -> ${xenbusStateName(to)}`,
    );
  }
  return to;
}

/** A recorded transition, for tests and traces: (sequence, device, side, from, to). */
export interface XenbusEvent {
  seq: number;
  device: string;
  side: XenbusSide;
  from: XenbusStateName | string;
  to: XenbusStateName | string;
}

export class XenbusTrace {
  readonly events: XenbusEvent[] = [];
  record(device: string, side: XenbusSide, from: number, to: number): void {
    this.events.push({
      seq: this.events.length,
      device,
      side,
      from: xenbusStateName(from),
      to: xenbusStateName(to),
    });
  }
}

/** Reads a decimal state node; Unknown when missing or unreadable. */
export function readState(c: XsConnection, path: string): number {
  const v = c.readString(path);
  if (isErrno(v)) return XenbusState.Unknown;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : XenbusState.Unknown;
}

/** Writes `state` for one side after checking the edge; records it. */
export function switchState(
  c: XsConnection,
  dir: string,
  side: XenbusSide,
  to: number,
  trace: XenbusTrace | undefined,
  device: string,
): void {
  const from = readState(c, `${dir}/state`);
  xenbusTransition(side, from, to);
  if (from === to) return;
  // Recorded before the write: the write delivers the peer's reaction synchronously.
  trace?.record(device, side, from, to);
  const err = c.write(`${dir}/state`, String(to));
  if (err) throw new Error(`${side} ${device}: writing ${dir}/state failed: ${err}`);
}
