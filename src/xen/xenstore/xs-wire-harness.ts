/**
 * An in-process wire connection: bytes in, decoded reply frames out, with no socket.
 * Used by the protocol tests, the fuzzer and the benchmarks' in-process baseline; it
 * drives exactly the code the socket server drives (parser, dispatch, flush).
 */
import type { Xenstored } from "./xenstored.js";
import type { XsConnection } from "./xs-connection.js";
import { dispatch } from "./xs-dispatch.js";
import { XsStreamParser } from "./xs-parser.js";
import { XS_HEADER_SIZE, type XsMessage } from "./xs-wire.js";

export class XsWireHarness {
  readonly conn: XsConnection;
  readonly parser = new XsStreamParser();
  /** Every frame sent to this connection, decoded, in order. */
  readonly frames: XsMessage[] = [];

  constructor(
    readonly xs: Xenstored,
    domid = 0,
  ) {
    this.conn = xs.connect(domid, { frame: (b) => this.frames.push(decodeFrame(b)) }, true);
  }

  /** Feeds raw bytes as one read from the socket; throws XsProtocolError like the server sees it. */
  feed(bytes: Buffer): void {
    this.xs.batch(() => this.parser.push(bytes, (m) => dispatch(this.xs, this.conn, m)));
  }

  /** Frames received since the last call. */
  take(): XsMessage[] {
    return this.frames.splice(0);
  }
}

export function decodeFrame(b: Buffer): XsMessage {
  return {
    type: b.readUInt32LE(0),
    reqId: b.readUInt32LE(4),
    txId: b.readUInt32LE(8),
    payload: b.subarray(XS_HEADER_SIZE, XS_HEADER_SIZE + b.readUInt32LE(12)),
  };
}

/** The tree as comparable data (names, values, permissions, children; not generations). */
export function treeSnapshot(xs: Xenstored): string {
  const rows: string[] = [];
  for (const [name, n] of [...xs.nodes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    rows.push(
      `${name}=${n.value.toString("hex")} ${n.perms.map((p) => `${p.bits}:${p.id}`).join(",")} [${n.children.join(",")}]`,
    );
  }
  return rows.join("\n");
}
