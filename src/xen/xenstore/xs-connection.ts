/**
 * One client of the daemon: a socket, or a domain's ring (here: an in-process handle).
 *
 * Source: Xen `tools/xenstored/core.h` (struct connection: id, domain, watches,
 * transaction_list, next_transaction_id, target, out_list).
 *
 * A connection carries the domain id it speaks for. Sockets are dom0 and privileged,
 * as in xenstored (a socket connection has no domain and passes every permission
 * check); a domain's connection is privileged only for dom0. The methods below are the
 * synchronous in-process API the twin uses: each is one request, answered with a value
 * or an error name (`Errno`), exactly what the same request over the wire would get.
 * Watch events go to `onWatchEvent`, delivered after the request that caused them
 * completes (never re-entrantly), in the order xenstored would send them.
 */
import type { Xenstored } from "./xenstored.js";
import * as dops from "./xs-domain-ops.js";
import * as ops from "./xs-ops.js";
import type { XsTransaction } from "./xs-transaction.js";
import type { Errno } from "./xs-wire.js";

export interface XsWatch {
  /** Canonical watched name (absolute, or @special). */
  readonly node: string;
  readonly token: string;
  /** Characters to strip from event paths for a watch given as a relative path. */
  readonly prefixLen: number;
  /** Levels below `node` that fire (watch-depth feature); -1 = all. */
  readonly depth: number;
}

/** A watch event waiting to be delivered. */
export class XsPendingEvent {
  constructor(
    readonly path: string,
    readonly token: string,
  ) {}
}

/** An item waiting to be delivered: an encoded reply (wire only) or a watch event. */
export type XsOutItem = Buffer | XsPendingEvent;

export interface XsConnectionSink {
  /** Encoded frames for wire connections (replies and watch events, in order). */
  frame?(buf: Buffer): void;
  /** Watch events for in-process connections. */
  event?(path: string, token: string): void;
}

export class XsConnection {
  readonly watches: XsWatch[] = [];
  readonly transactions = new Map<number, XsTransaction>();
  /** Next candidate transaction id; xenstored starts at 0, which is skipped, so the first is 1. */
  nextTxId = 0;
  /** Waiting output, delivered by Xenstored.flush(). */
  out: XsOutItem[] = [];
  closed = false;
  /** Watch events dropped because an identical one was still waiting (send_event). */
  duplicateEvents = 0;

  constructor(
    readonly store: Xenstored,
    /** Connection number, in creation order (xenstored's connection list order). */
    readonly id: number,
    readonly domid: number,
    /** True for sockets and dom0: no permission checks, no quotas. */
    readonly privileged: boolean,
    /** Frames are encoded for a socket (true) or events handed to a callback (false). */
    readonly wire: boolean,
    public sink: XsConnectionSink,
  ) {}

  /** The implicit path relative names resolve under (get_implicit_path). */
  get home(): string {
    return `/local/domain/${this.domid >>> 0}`;
  }

  /** The domain this connection acts for besides its own (SET_TARGET). */
  get target(): number | undefined {
    return this.store.domains.get(this.domid)?.target;
  }

  /** In-process watch events: set this to receive (path, token). */
  set onWatchEvent(fn: (path: string, token: string) => void) {
    this.sink = { ...this.sink, event: fn };
  }

  // ---- The in-process API: one method per request type. ----

  read(path: string, tx = 0): Buffer | Errno {
    return this.store.request(this, tx, (t) => ops.read(this, t, path));
  }

  /** READ decoded as UTF-8. */
  readString(path: string, tx = 0): string | Errno {
    const r = this.read(path, tx);
    return typeof r === "string" ? r : r.toString("utf8");
  }

  write(path: string, value: string | Buffer, tx = 0): Errno | undefined {
    const v = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    return this.store.request(this, tx, (t) => ops.write(this, t, path, v));
  }

  mkdir(path: string, tx = 0): Errno | undefined {
    return this.store.request(this, tx, (t) => ops.mkdir(this, t, path));
  }

  rm(path: string, tx = 0): Errno | undefined {
    return this.store.request(this, tx, (t) => ops.rm(this, t, path));
  }

  directory(path: string, tx = 0): string[] | Errno {
    return this.store.request(this, tx, (t) => ops.directory(this, t, path));
  }

  /** GET_PERMS: entries such as ["n0", "r5"]. */
  getPerms(path: string, tx = 0): string[] | Errno {
    return this.store.request(this, tx, (t) => ops.getPerms(this, t, path));
  }

  /** SET_PERMS: entries such as ["n5", "r0"] (owner first). */
  setPerms(path: string, perms: readonly string[], tx = 0): Errno | undefined {
    return this.store.request(this, tx, (t) => ops.setPerms(this, t, path, perms));
  }

  watch(path: string, token: string, depth = -1): Errno | undefined {
    return this.store.request(this, 0, () => ops.watch(this, path, token, depth));
  }

  unwatch(path: string, token: string): Errno | undefined {
    return this.store.request(this, 0, () => ops.unwatch(this, path, token));
  }

  transactionStart(): number | Errno {
    return this.store.request(this, 0, (t) => ops.transactionStart(this, t));
  }

  transactionEnd(tx: number, commit: boolean): Errno | undefined {
    return this.store.request(this, tx, (t) => ops.transactionEnd(this, t, commit));
  }

  /**
   * Runs `body` in a transaction and commits, retrying on EAGAIN as libxl does
   * (up to `maxTries`). `body` returns an error name to abort.
   */
  inTransaction(body: (tx: number) => Errno | undefined, maxTries = 100): Errno | undefined {
    for (let i = 0; i < maxTries; i++) {
      const tx = this.transactionStart();
      if (typeof tx === "string") return tx;
      const err = body(tx);
      if (err) {
        this.transactionEnd(tx, false);
        return err;
      }
      const end = this.transactionEnd(tx, true);
      if (end !== "EAGAIN") return end;
    }
    return "EAGAIN";
  }

  resetWatches(): Errno | undefined {
    return this.store.request(this, 0, () => ops.resetWatches(this));
  }

  getDomainPath(domid: number): string | Errno {
    return this.store.request(this, 0, () => ops.getDomainPath(String(domid)));
  }

  // ---- Privileged requests (EACCES for other domains) ----

  private priv<T>(fn: () => T): T | Errno {
    return this.store.request(this, 0, () => (this.privileged ? fn() : "EACCES"));
  }

  /** INTRODUCE domid gfn evtchn: the toolstack hands xenstored a new domain's ring. */
  introduceDomain(domid: number, gfn: number, evtchn: number): Errno | undefined {
    return this.priv(() => dops.introduce(this.store, [String(domid), String(gfn), String(evtchn)]));
  }

  releaseDomain(domid: number): Errno | undefined {
    return this.priv(() => dops.release(this.store, String(domid)));
  }

  resumeDomain(domid: number): Errno | undefined {
    return this.priv(() => dops.resume(this.store, String(domid)));
  }

  isDomainIntroduced(domid: number): boolean | Errno {
    const r = this.priv(() => dops.isIntroduced(this.store, String(domid)));
    return r === "T" ? true : r === "F" ? false : r;
  }

  setTarget(domid: number, target: number): Errno | undefined {
    return this.priv(() => dops.setTarget(this.store, [String(domid), String(target)]));
  }
}
