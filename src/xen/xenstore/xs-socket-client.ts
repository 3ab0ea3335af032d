/**
 * A minimal xenstore client over a Unix socket (the libxenstore protocol, in
 * TypeScript), for the benchmarks and tests: requests carry req_id, replies are matched
 * by it, so several requests may be in flight; watch events go to a callback.
 *
 * Source: Xen `tools/libs/store/xs.c` (framing and the reply/watch split) and
 * `xs_wire.h`. Async: this is an I/O edge.
 */
import { createConnection, type Socket } from "node:net";
import { XsStreamParser } from "./xs-parser.js";
import { encodeMessage, XsType } from "./xs-wire.js";

export interface XsReply {
  type: number;
  reqId: number;
  txId: number;
  payload: Buffer;
}

export class XsSocketClient {
  private readonly parser = new XsStreamParser();
  private readonly pending = new Map<number, (r: XsReply) => void>();
  private nextReq = 1;
  onWatchEvent: ((path: string, token: string) => void) | undefined;
  private closedErr: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.parser.push(chunk, (m) => {
        if (m.type === XsType.WATCH_EVENT) {
          const [path, token] = m.payload.toString("latin1").split("\0");
          this.onWatchEvent?.(path, token);
          return;
        }
        const done = this.pending.get(m.reqId);
        if (!done) return;
        this.pending.delete(m.reqId);
        done({ type: m.type, reqId: m.reqId, txId: m.txId, payload: Buffer.from(m.payload) });
      });
    });
    socket.on("close", () => {
      this.closedErr = new Error("xenstore connection closed");
      for (const [, done] of this.pending) done({ type: -1, reqId: 0, txId: 0, payload: Buffer.alloc(0) });
      this.pending.clear();
    });
  }

  static connect(path: string): Promise<XsSocketClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection(path);
      s.once("connect", () => {
        s.off("error", reject);
        s.setNoDelay(true);
        resolve(new XsSocketClient(s));
      });
      s.once("error", reject);
    });
  }

  /** Sends one request; resolves with its reply (type -1 if the connection closed). */
  request(type: number, payload: Buffer | string, txId = 0): Promise<XsReply> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    const reqId = this.nextReq++ >>> 0;
    return new Promise((resolve) => {
      this.pending.set(reqId, resolve);
      this.socket.write(encodeMessage(type, reqId, txId, payload));
    });
  }

  /** Writes raw bytes (protocol tests). */
  writeRaw(buf: Buffer): void {
    this.socket.write(buf);
  }

  get closed(): boolean {
    return this.closedErr !== undefined;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Reply payload as text with NULs shown as "|": "OK|", "ENOENT|", "a|b|". */
export function replyText(r: XsReply): string {
  return r.payload.toString("latin1").replace(/\0/g, "|");
}
