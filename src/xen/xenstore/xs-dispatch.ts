/**
 * From a decoded message to a reply: payload parsing per request type, the privileged
 * and transaction checks, and reply encoding.
 *
 * Source: Xen `tools/xenstored/core.c` (process_message, wire_funcs[] with
 * XS_FLAG_NOTID / XS_FLAG_PRIV, onearg, get_strings, send_reply, send_error) and
 * `docs/misc/xenstore.txt` (payload syntax per type).
 *
 * Order of checks, as process_message(): unknown type or one without a handler
 * (WATCH_EVENT, ERROR, the removed RESTRICT, anything above SET_QUOTA) → ENOSYS;
 * privileged-only type from another domain → EACCES; a nonzero tx_id that names no open
 * transaction → ENOENT (not for WATCH/UNWATCH, which ignore tx_id); then the request's
 * own argument checks. A reply longer than XENSTORE_PAYLOAD_MAX becomes E2BIG. Replies
 * echo req_id and tx_id; an error reply carries the errno name and a NUL.
 */
import type { Xenstored } from "./xenstored.js";
import type { XsConnection } from "./xs-connection.js";
import * as dops from "./xs-domain-ops.js";
import { childrenPayload } from "./xs-node.js";
import * as ops from "./xs-ops.js";
import {
  type Errno,
  encodeMessage,
  isErrno,
  nulStrings,
  oneArg,
  splitStrings,
  XENSTORE_PAYLOAD_MAX,
  XS_ERRORS,
  type XsMessage,
  XsType,
} from "./xs-wire.js";

const OK = Buffer.from("OK\0", "latin1");
const FLAG_NOTID = 1;
const FLAG_PRIV = 2;

/** Handler flags by type; a missing entry means "no handler" (ENOSYS). */
const FLAGS: ReadonlyMap<number, number> = new Map([
  [XsType.CONTROL, FLAG_PRIV],
  [XsType.DIRECTORY, 0],
  [XsType.READ, 0],
  [XsType.GET_PERMS, 0],
  [XsType.WATCH, FLAG_NOTID],
  [XsType.UNWATCH, FLAG_NOTID],
  [XsType.TRANSACTION_START, 0],
  [XsType.TRANSACTION_END, 0],
  [XsType.INTRODUCE, FLAG_PRIV],
  [XsType.RELEASE, FLAG_PRIV],
  [XsType.GET_DOMAIN_PATH, 0],
  [XsType.WRITE, 0],
  [XsType.MKDIR, 0],
  [XsType.RM, 0],
  [XsType.SET_PERMS, 0],
  [XsType.IS_DOMAIN_INTRODUCED, FLAG_PRIV],
  [XsType.RESUME, FLAG_PRIV],
  [XsType.SET_TARGET, FLAG_PRIV],
  [XsType.RESET_WATCHES, 0],
  [XsType.DIRECTORY_PART, 0],
]);

/** Requests added after 4.17 (unstable only). */
const FLAGS_UNSTABLE: ReadonlyMap<number, number> = new Map([
  ...FLAGS,
  [XsType.GET_FEATURE, 0],
  [XsType.SET_FEATURE, FLAG_PRIV],
  [XsType.GET_QUOTA, FLAG_PRIV],
  [XsType.SET_QUOTA, FLAG_PRIV],
]);

/** A reply body: payload bytes, or an error name. */
type Body = Buffer | Errno;

/** Handles one request from a wire connection; the reply (and any events) are queued on it. */
export function dispatch(xs: Xenstored, c: XsConnection, msg: XsMessage): void {
  const { type, reqId, txId } = msg;
  const flags = (xs.version === "4.17" ? FLAGS : FLAGS_UNSTABLE).get(type);
  if (flags === undefined || (flags & FLAG_PRIV && !c.privileged)) {
    const err: Errno = flags === undefined ? "ENOSYS" : "EACCES";
    xs.request(c, 0, () => sendError(xs, c, reqId, txId, err));
    return;
  }
  const effectiveTx = flags & FLAG_NOTID ? 0 : txId;
  const result = xs.request(c, effectiveTx, (tx): Body | null => {
    // WATCH queues its OK itself, before the first event (xenstored acks, then fires).
    if (type === XsType.WATCH) {
      const r = watchRequest(c, msg.payload, xs.version !== "4.17", () =>
        send(xs, c, XsType.WATCH, reqId, txId, OK),
      );
      return r ?? null;
    }
    return handle(xs, c, tx, type, msg.payload);
  });
  if (result === null) return;
  if (isErrno(result)) sendError(xs, c, reqId, txId, result);
  else send(xs, c, type, reqId, txId, result);
}

/** send_reply(): too long a reply becomes E2BIG. */
function send(xs: Xenstored, c: XsConnection, type: number, reqId: number, txId: number, body: Buffer): void {
  if (body.length > XENSTORE_PAYLOAD_MAX) sendError(xs, c, reqId, txId, "E2BIG");
  else xs.queueFrame(c, encodeMessage(type, reqId, txId, body));
}

/** send_error(): the errno name and a NUL, under type ERROR. */
function sendError(xs: Xenstored, c: XsConnection, reqId: number, txId: number, e: Errno): void {
  xs.queueFrame(c, encodeMessage(XsType.ERROR, reqId, txId, ERROR_PAYLOADS[e]));
}

const ERROR_PAYLOADS = Object.fromEntries(
  XS_ERRORS.map((e) => [e, Buffer.from(`${e}\0`, "latin1")]),
) as Record<Errno, Buffer>;

function watchRequest(
  c: XsConnection,
  payload: Buffer,
  depthAllowed: boolean,
  acked: () => void,
): Errno | undefined {
  const args = splitStrings(payload);
  // 4.17: exactly path and token; later: an optional depth (XENSTORE_SERVER_FEATURE watch depth).
  if (args.length !== 2 && !(depthAllowed && args.length === 3)) return "EINVAL";
  let depth = -1;
  if (args.length === 3) {
    if (!/^\d+$/.test(args[2])) return "EINVAL";
    depth = Number(args[2]);
  }
  return ops.watch(c, args[0], args[1], depth, acked);
}

type Tx = Parameters<typeof ops.read>[1];

function ack(r: Errno | undefined): Body {
  return r ?? OK;
}

function str(r: string | Errno): Body {
  return isErrno(r) ? r : nulStrings(r);
}

function handle(xs: Xenstored, c: XsConnection, tx: Tx, type: number, payload: Buffer): Body {
  switch (type) {
    case XsType.READ:
      return ops.read(c, tx, oneArg(payload));
    case XsType.DIRECTORY: {
      const n = ops.directoryNode(c, tx, oneArg(payload));
      return typeof n === "string" ? n : childrenPayload(n);
    }
    case XsType.DIRECTORY_PART: {
      const args = splitStrings(payload);
      if (args.length !== 2) return "EINVAL";
      return ops.directoryPart(c, tx, args[0], args[1]);
    }
    case XsType.GET_PERMS: {
      const r = ops.getPerms(c, tx, oneArg(payload));
      return isErrno(r) ? r : nulStrings(...r);
    }
    case XsType.WRITE: {
      const nul = payload.indexOf(0);
      if (nul < 0) return "EINVAL";
      const path = payload.toString("latin1", 0, nul);
      // The value outlives the receive buffer: copy it.
      return ack(ops.write(c, tx, path, Buffer.from(payload.subarray(nul + 1))));
    }
    case XsType.MKDIR:
      return ack(ops.mkdir(c, tx, oneArg(payload)));
    case XsType.RM:
      return ack(ops.rm(c, tx, oneArg(payload)));
    case XsType.SET_PERMS: {
      const args = splitStrings(payload);
      if (args.length < 2) return "EINVAL";
      return ack(ops.setPerms(c, tx, args[0], args.slice(1)));
    }
    case XsType.UNWATCH: {
      const args = splitStrings(payload);
      if (args.length !== 2) return "EINVAL";
      return ack(ops.unwatch(c, args[0], args[1]));
    }
    case XsType.TRANSACTION_START: {
      const id = ops.transactionStart(c, tx);
      return typeof id === "string" ? id : nulStrings(String(id));
    }
    case XsType.TRANSACTION_END: {
      const arg = oneArg(payload);
      if (arg !== "T" && arg !== "F") return "EINVAL";
      return ack(ops.transactionEnd(c, tx, arg === "T"));
    }
    case XsType.RESET_WATCHES:
      return ack(ops.resetWatches(c));
    case XsType.GET_DOMAIN_PATH:
      return str(ops.getDomainPath(oneArg(payload)));
    default:
      return handleDomain(xs, c, type, payload);
  }
}

function handleDomain(xs: Xenstored, c: XsConnection, type: number, payload: Buffer): Body {
  switch (type) {
    case XsType.INTRODUCE:
      return ack(dops.introduce(xs, splitStrings(payload)));
    case XsType.RELEASE:
      return ack(dops.release(xs, oneArg(payload)));
    case XsType.RESUME:
      return ack(dops.resume(xs, oneArg(payload)));
    case XsType.IS_DOMAIN_INTRODUCED:
      return str(dops.isIntroduced(xs, oneArg(payload)));
    case XsType.SET_TARGET:
      return ack(dops.setTarget(xs, splitStrings(payload)));
    case XsType.GET_FEATURE:
      return str(dops.getFeature(xs, c, splitStrings(payload)));
    case XsType.SET_FEATURE:
      return ack(dops.setFeature(xs, splitStrings(payload)));
    case XsType.GET_QUOTA:
      return str(dops.getQuota(xs, splitStrings(payload)));
    case XsType.SET_QUOTA:
      return ack(dops.setQuota(xs, splitStrings(payload)));
    case XsType.CONTROL: {
      const args = splitStrings(payload);
      if (args.length < 1) return "EINVAL";
      const r = dops.control(xs, args);
      return isErrno(r) ? r : nulStrings(r);
    }
    default:
      throw new Error(`no handler for message type ${type}`);
  }
}
