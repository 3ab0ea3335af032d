/**
 * The xenstore wire protocol: message types, error names, limits and the 16-byte header.
 *
 * Source: Xen `xen/include/public/io/xs_wire.h` (enum xsd_sockmsg_type, xsd_errors,
 * XENSTORE_PAYLOAD_MAX, XENSTORE_{ABS,REL}_PATH_MAX) and `docs/misc/xenstore.txt`.
 * The header (struct xsd_sockmsg) is four little-endian u32: type, req_id, tx_id, len,
 * followed by exactly `len` payload bytes. The same framing is used on the Unix socket,
 * on /dev/xen/xenbus and on the shared ring page.
 */

/** Message types, numbered as in enum xsd_sockmsg_type. */
export const XsType = {
  CONTROL: 0, // alias DEBUG
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  INTRODUCE: 8,
  RELEASE: 9,
  GET_DOMAIN_PATH: 10,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
  IS_DOMAIN_INTRODUCED: 17,
  RESUME: 18,
  SET_TARGET: 19,
  /** 20 was XS_RESTRICT, removed in Xen 4.9: now invalid (ENOSYS). */
  RESTRICT: 20,
  RESET_WATCHES: 21,
  DIRECTORY_PART: 22,
  GET_FEATURE: 23,
  SET_FEATURE: 24,
  GET_QUOTA: 25,
  SET_QUOTA: 26,
  INVALID: 0xffff,
} as const;
export type XsTypeName = keyof typeof XsType;
export type XsTypeCode = (typeof XsType)[XsTypeName];

/** Names by number, for traces and error messages. */
export function xsTypeName(type: number): string {
  for (const [name, code] of Object.entries(XsType)) if (code === type) return name;
  return `**UNKNOWN(${type})**`;
}

/**
 * The errno names a reply may carry, in xsd_errors[] table order (EPERM was appended in
 * Xen 4.17). Clients map unknown names to EINVAL (xs.c get_error()).
 */
export const XS_ERRORS = [
  "EINVAL",
  "EACCES",
  "EEXIST",
  "EISDIR",
  "ENOENT",
  "ENOMEM",
  "ENOSPC",
  "EIO",
  "ENOTEMPTY",
  "ENOSYS",
  "EROFS",
  "EBUSY",
  "EAGAIN",
  "EISCONN",
  "E2BIG",
  "EPERM",
] as const;
export type Errno = (typeof XS_ERRORS)[number];

const ERRNO_SET: ReadonlySet<string> = new Set(XS_ERRORS);

/** True when an operation's result is an error name rather than a value. */
export function isErrno(r: unknown): r is Errno {
  return typeof r === "string" && ERRNO_SET.has(r);
}

/** Header size: four u32 (struct xsd_sockmsg). */
export const XS_HEADER_SIZE = 16;
/** XENSTORE_PAYLOAD_MAX: a longer payload makes xenstored drop the connection. */
export const XENSTORE_PAYLOAD_MAX = 4096;
/** XENSTORE_ABS_PATH_MAX: longest absolute path. */
export const XENSTORE_ABS_PATH_MAX = 3072;
/** XENSTORE_REL_PATH_MAX: longest path below /local/domain/<domid>/ (the default path-max quota). */
export const XENSTORE_REL_PATH_MAX = 2048;
/** DOMID_SELF (xen.h), accepted by IS_DOMAIN_INTRODUCED. */
export const DOMID_SELF = 0x7ff0;

/** A decoded message. `payload` is a view into the receive buffer; copy it to keep it. */
export interface XsMessage {
  type: number;
  reqId: number;
  txId: number;
  payload: Buffer;
}

/** Encodes one message: header plus payload, in one Buffer. */
export function encodeMessage(type: number, reqId: number, txId: number, payload: Buffer | string): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload, "latin1") : payload;
  const out = Buffer.allocUnsafe(XS_HEADER_SIZE + body.length);
  out.writeUInt32LE(type >>> 0, 0);
  out.writeUInt32LE(reqId >>> 0, 4);
  out.writeUInt32LE(txId >>> 0, 8);
  out.writeUInt32LE(body.length, 12);
  body.copy(out, XS_HEADER_SIZE);
  return out;
}

/** `a\0b\0` from ["a", "b"]: the usual payload of NUL-terminated strings. */
export function nulStrings(...parts: readonly string[]): Buffer {
  let len = 0;
  for (const p of parts) len += Buffer.byteLength(p, "latin1") + 1;
  const out = Buffer.alloc(len);
  let off = 0;
  for (const p of parts) {
    off += out.write(p, off, "latin1");
    off += 1;
  }
  return out;
}

/**
 * Splits a payload into its NUL-terminated strings, as xenstored's get_strings(): bytes
 * after the last NUL are not a string. Returns the strings (latin1, byte-preserving).
 */
export function splitStrings(payload: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nul = payload.indexOf(0, start);
    if (nul < 0) break;
    out.push(payload.toString("latin1", start, nul));
    start = nul + 1;
  }
  return out;
}

/**
 * onearg(): the payload must be exactly one string with its NUL at the very end;
 * otherwise undefined (xenstored then answers EINVAL).
 */
export function oneArg(payload: Buffer): string | undefined {
  if (payload.length === 0) return undefined;
  const nul = payload.indexOf(0);
  if (nul !== payload.length - 1) return undefined;
  return payload.toString("latin1", 0, nul);
}
