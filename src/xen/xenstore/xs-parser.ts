/**
 * Framing of the xenstore byte stream into messages.
 *
 * Source: Xen `tools/xenstored/core.c` handle_input(): read the 16-byte header, reject a
 * `len` above XENSTORE_PAYLOAD_MAX (the connection is dropped: "Client tried to feed us
 * ..."), then read exactly `len` payload bytes. Messages may arrive split anywhere, or
 * several in one read.
 *
 * Hot path (benchmarks xenstore.*): a chunk holding whole messages is parsed in place,
 * handing out views into it; only a trailing partial message is copied and kept.
 */
import { XENSTORE_PAYLOAD_MAX, XS_HEADER_SIZE, type XsMessage } from "./xs-wire.js";

export class XsProtocolError extends Error {
  override name = "XsProtocolError";
}

export class XsStreamParser {
  /** Bytes of an incomplete message, carried to the next chunk. */
  private rest: Buffer | undefined;
  /** Set after a protocol error: the stream is unusable from then on. */
  broken = false;

  /**
   * Feeds bytes; calls `onMessage` for each complete message (its payload is a view
   * valid only during the call). Throws XsProtocolError on an oversized length.
   */
  push(chunk: Buffer, onMessage: (m: XsMessage) => void): void {
    if (this.broken) throw new XsProtocolError("stream already broken");
    let buf = chunk;
    if (this.rest) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let off = 0;
    while (buf.length - off >= XS_HEADER_SIZE) {
      const len = buf.readUInt32LE(off + 12);
      if (len > XENSTORE_PAYLOAD_MAX) {
        this.broken = true;
        throw new XsProtocolError(`payload length ${len} exceeds ${XENSTORE_PAYLOAD_MAX}`);
      }
      const end = off + XS_HEADER_SIZE + len;
      if (end > buf.length) break;
      onMessage({
        type: buf.readUInt32LE(off),
        reqId: buf.readUInt32LE(off + 4),
        txId: buf.readUInt32LE(off + 8),
        payload: buf.subarray(off + XS_HEADER_SIZE, end),
      });
      off = end;
    }
    if (off < buf.length) this.rest = Buffer.from(buf.subarray(off));
  }

  /** Bytes held of an incomplete message (a truncated header or payload at end of stream). */
  get pending(): number {
    return this.rest?.length ?? 0;
  }
}
