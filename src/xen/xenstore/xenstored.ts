/**
 * The xenstore daemon's core: the node table, connections, transactions, watches,
 * quotas and domains. Synchronous; the socket server is the only async edge.
 *
 * Source: Xen 4.17 `tools/xenstore/xenstored_core.c`, `xenstored_transaction.c`,
 * `xenstored_watch.c`, `xenstored_domain.c` (behaviour read for facts; this is an
 * independent implementation). Wire format: `xs_wire.h`; semantics: `docs/misc/xenstore.txt`.
 *
 * Design (≤15 lines):
 * - Nodes live in one Map keyed by full name (like xenstored's hashtable), immutable, so
 *   transactions keep what they saw by reference (see xs-transaction.ts).
 * - Every request runs through `request()`: it resolves the transaction id, runs the
 *   operation, and then `flush()` delivers queued output. Output (replies for sockets,
 *   watch events for everyone) is queued per connection during the request and
 *   delivered after it, so an in-process watch callback may issue new requests without
 *   re-entering an unfinished one.
 * - Committed changes to the global table are journaled (put/delete per node) when a
 *   persistence layer asks for it; `onCommit` runs before any queued output is
 *   delivered, so an acknowledgement always follows durability.
 * - Initial nodes as xenstored's setup_structure(): "/", "/tool", "/tool/xenstored",
 *   and the special nodes "@releaseDomain", "@introduceDomain", all owned by dom0 with
 *   no access for others (n0).
 * Invariants: every node but "/" and the @specials has its parent in the table, listing
 * it once among its children; `owned` counts nodes by their owner (perms[0].id).
 */
import { XsConnection, type XsConnectionSink, type XsOutItem, XsPendingEvent } from "./xs-connection.js";
import { domainDestroyed, domainShutdown } from "./xs-domain-ops.js";
import { XsDomainTable } from "./xs-domains.js";
import { emptyValue, makeNode, NO_GENERATION, type XsNode } from "./xs-node.js";
import { PERM_NONE, type XsPerm } from "./xs-perms.js";
import { defaultQuotas, type XsQuotas } from "./xs-quota.js";
import type { XsTransaction } from "./xs-transaction.js";
import { type Errno, encodeMessage, XsType } from "./xs-wire.js";

/** One committed change, for persistence. */
export type XsJournalEntry =
  | { readonly op: "put"; readonly name: string; readonly node: XsNode }
  | { readonly op: "del"; readonly name: string };

/**
 * Which xenstored to behave like (STYLE 18: variants named by source).
 * - "4.17": Debian 12's xenstored (the one the tests can run): no GET/SET_FEATURE or
 *   GET/SET_QUOTA (ENOSYS), WATCH takes exactly path and token, GET_PERMS refuses the
 *   @special names (EINVAL).
 * - "unstable": xen-project/xen at c447b7308b13 (the spec's snapshot): the feature and
 *   quota requests, the optional watch depth, GET_PERMS on @special names.
 */
export type XenstoredVersion = "4.17" | "unstable";

export interface XenstoredOptions {
  /** Default "4.17". */
  version?: XenstoredVersion;
  quotas?: Partial<XsQuotas>;
  /** Domains the hypervisor is taken to know besides dom0 (e.g. from --domain). */
  domains?: readonly number[];
  /** A second privileged domain id (xenstored --priv-domid); default none. */
  privDomid?: number;
  /** server_features advertised to domains (GET_FEATURE); default watch-depth (4). */
  features?: number;
}

/** XENSTORE_SERVER_FEATURE_* bits (xs_wire.h): we model the watch-depth option only. */
export const FEATURE_WATCH_DEPTH = 4;

export class Xenstored {
  /** All nodes by full name, including the @special nodes. */
  readonly nodes = new Map<string, XsNode>();
  readonly domains: XsDomainTable;
  readonly quotas: XsQuotas;
  readonly privDomid: number | undefined;
  readonly version: XenstoredVersion;
  /** Connections in creation order (watch events go out in this order). */
  readonly connections = new Map<number, XsConnection>();
  /** Nodes owned per domain, for the nodes quota. */
  private readonly owned = new Map<number, number>();
  private generationCounter = 0;
  private nextConnId = 0;
  private depth = 0;
  private flushing = false;
  private readonly dirty = new Set<XsConnection>();
  /** Committed changes since the last onCommit call, when journaling. */
  journal: XsJournalEntry[] | undefined;
  /** Called with the journal before queued output is delivered (persistence). */
  onCommit: ((entries: XsJournalEntry[]) => void) | undefined;
  /** Count of requests served (for progress and benchmarks). */
  requests = 0;
  /**
   * xenstored acting on its own behalf (conn == NULL in the C code): privileged, not
   * listed among the connections, so it has no watches and receives no events.
   */
  readonly system: XsConnection;

  constructor(opts: XenstoredOptions = {}) {
    this.quotas = { ...defaultQuotas(), ...opts.quotas };
    this.privDomid = opts.privDomid;
    this.version = opts.version ?? "4.17";
    this.domains = new XsDomainTable(opts.features ?? FEATURE_WATCH_DEPTH);
    for (const d of opts.domains ?? []) this.domains.create(d);
    // dom0 is introduced at start-up (dom0_init()).
    this.domains.create(0).introduced = true;
    this.system = new XsConnection(this, -1, 0, true, false, {});
    this.setupStructure();
  }

  /** setup_structure(): the nodes a fresh xenstored starts with. */
  private setupStructure(): void {
    const n0: readonly XsPerm[] = [{ id: 0, bits: PERM_NONE }];
    const mk = (name: string, children: string[]) => {
      const childBytes = children.reduce((s, c) => s + c.length + 1, 0);
      this.putGlobal(name, makeNode(emptyValue(), n0, children, childBytes, this.nextGeneration()));
    };
    mk("/", ["tool"]);
    mk("/tool", ["xenstored"]);
    mk("/tool/xenstored", []);
    mk("@releaseDomain", []);
    mk("@introduceDomain", []);
  }

  // ---- Connections ----

  /**
   * A new connection for `domid`. In-process users pass `event` to receive watch
   * events; the socket server passes `frame` and `wire = true`.
   */
  connect(domid: number, sink: XsConnectionSink = {}, wire = false): XsConnection {
    const privileged = this.isPrivilegedDomid(domid);
    const c = new XsConnection(this, this.nextConnId++, domid, privileged, wire, sink);
    this.connections.set(c.id, c);
    return c;
  }

  /** A socket connection: dom0's rights, as xenstored gives every socket. */
  connectSocket(frame: (buf: Buffer) => void): XsConnection {
    return this.connect(0, { frame }, true);
  }

  /** Drops a connection: its watches and transactions go with it. */
  disconnect(c: XsConnection): void {
    c.closed = true;
    c.watches.length = 0;
    c.transactions.clear();
    c.out = [];
    this.dirty.delete(c);
    this.connections.delete(c.id);
  }

  isPrivilegedDomid(domid: number): boolean {
    return domid === 0 || domid === this.privDomid;
  }

  // ---- Requests and output ----

  /**
   * Runs one request for `conn` inside transaction `txId` (0: none): resolves the
   * transaction (ENOENT when unknown), runs `op`, then delivers queued output.
   */
  request<T>(conn: XsConnection, txId: number, op: (tx: XsTransaction | undefined) => T): T | Errno {
    if (conn.closed) throw new Error(`xenstore connection ${conn.id} (dom${conn.domid}) is closed`);
    let tx: XsTransaction | undefined;
    if (txId !== 0) {
      tx = conn.transactions.get(txId >>> 0);
      if (!tx) return "ENOENT";
    }
    this.depth++;
    this.requests++;
    try {
      return op(tx);
    } finally {
      this.depth--;
      if (this.depth === 0) this.flush();
    }
  }

  /**
   * Runs `fn` with output held back, then delivers it all at once: the socket server
   * wraps a whole batch of requests so one durable write (and one socket write per
   * client) covers them (group commit).
   */
  batch<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.flush();
    }
  }

  /** Holds output until release() (the socket server holds across one event-loop turn). */
  hold(): void {
    this.depth++;
  }

  release(): void {
    this.depth--;
    if (this.depth === 0) this.flush();
  }

  // ---- Domain lifecycle, driven by the hypervisor (the twin) ----

  /** The hypervisor created `domid`: permissions may now name it. */
  domainCreated(domid: number): void {
    this.domains.create(domid);
  }

  /** The domain shut down: @releaseDomain fires once (until RESUME). */
  domainShutdown(domid: number): void {
    this.batch(() => domainShutdown(this, domid));
  }

  /** The domain was destroyed: its connections close, its nodes go, @releaseDomain fires. */
  domainDestroyed(domid: number): void {
    this.batch(() => domainDestroyed(this, domid));
  }

  /** Queues an encoded reply for a wire connection. */
  queueFrame(c: XsConnection, buf: Buffer): void {
    c.out.push(buf);
    this.dirty.add(c);
  }

  /**
   * send_event(): queues a watch event, unless an identical one is still waiting
   * (xenstored drops such duplicates; special @ events are never dropped).
   */
  queueEvent(c: XsConnection, path: string, token: string): void {
    if (c.closed) return;
    if (path.charCodeAt(0) !== 64 /* @ */) {
      for (const item of c.out) {
        if (item instanceof XsPendingEvent && item.path === path && item.token === token) {
          c.duplicateEvents++;
          return;
        }
      }
    }
    c.out.push(new XsPendingEvent(path, token));
    this.dirty.add(c);
  }

  /**
   * Delivers all queued output, connection by connection in creation order, after
   * handing the journal to onCommit. Safe against callbacks that issue new requests:
   * their output is delivered by this same loop.
   */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.dirty.size > 0) {
        if (this.journal && this.journal.length > 0 && this.onCommit) {
          const entries = this.journal;
          this.journal = [];
          this.onCommit(entries);
        }
        // Hot path (benchmarks xenstore.*): one dirty connection needs no ordering.
        if (this.dirty.size === 1) {
          const [only] = this.dirty;
          this.dirty.clear();
          this.deliver(only);
          continue;
        }
        const conns = [...this.dirty].sort((a, b) => a.id - b.id);
        this.dirty.clear();
        for (const c of conns) this.deliver(c);
      }
      if (this.journal && this.journal.length > 0 && this.onCommit) {
        const entries = this.journal;
        this.journal = [];
        this.onCommit(entries);
      }
    } finally {
      this.flushing = false;
    }
  }

  private deliver(c: XsConnection): void {
    const items: XsOutItem[] = c.out;
    c.out = [];
    for (const item of items) {
      if (c.closed) return;
      if (!(item instanceof XsPendingEvent)) c.sink.frame?.(item);
      else if (c.wire) c.sink.frame?.(encodeEvent(item.path, item.token));
      else c.sink.event?.(item.path, item.token);
    }
  }

  // ---- Generations and the global table ----

  nextGeneration(): number {
    return ++this.generationCounter;
  }

  get generation(): number {
    return this.generationCounter;
  }

  /** Replaces or adds a committed node, keeping owner counts and the journal. */
  putGlobal(name: string, node: XsNode): void {
    const old = this.nodes.get(name);
    if (old) this.addOwned(old.perms[0].id, -1);
    this.addOwned(node.perms[0].id, 1);
    this.nodes.set(name, node);
    this.journal?.push({ op: "put", name, node });
  }

  /** Deletes a committed node (not its children). */
  delGlobal(name: string): void {
    const old = this.nodes.get(name);
    if (!old) return;
    this.addOwned(old.perms[0].id, -1);
    this.nodes.delete(name);
    this.journal?.push({ op: "del", name });
  }

  private addOwned(domid: number, delta: number): void {
    const v = (this.owned.get(domid) ?? 0) + delta;
    if (v === 0) this.owned.delete(domid);
    else this.owned.set(domid, v);
  }

  /** Committed nodes owned by `domid`. */
  ownedBy(domid: number): number {
    return this.owned.get(domid) ?? 0;
  }

  /** A quota's value for a connection's domain (a SET_QUOTA override or the global one). */
  quota(c: XsConnection, key: keyof XsQuotas, wireName: string): number {
    return this.domains.get(c.domid)?.quotas.get(wireName) ?? this.quotas[key];
  }

  // ---- The view a request sees: the committed table, or its transaction's copy ----

  /**
   * read_node(): the node as the request sees it. Inside a transaction the first access
   * is recorded (with the transaction-nodes quota: ENOSPC and the transaction fails).
   */
  fetch(c: XsConnection, tx: XsTransaction | undefined, name: string): XsNode | undefined | "ENOSPC" {
    if (!tx) return this.nodes.get(name);
    const e = tx.accessed.get(name);
    if (e) return e.node;
    if (!c.privileged && tx.accessed.size + 1 > this.quota(c, "transactionNodes", "transaction-nodes")) {
      tx.failed = true;
      return "ENOSPC";
    }
    const node = this.nodes.get(name);
    tx.accessed.set(name, {
      gen: node ? node.generation : NO_GENERATION,
      oldPerms: node?.perms,
      node,
      modified: false,
      fireWatch: false,
      watchExact: false,
    });
    return node;
  }

  /** Like fetch() but never records a transaction access and treats quota hits as absent. */
  peek(tx: XsTransaction | undefined, name: string): XsNode | undefined {
    const e = tx?.accessed.get(name);
    return e ? e.node : this.nodes.get(name);
  }

  /** Writes a node in the request's view (the transaction copy, or the committed table). */
  storeNode(tx: XsTransaction | undefined, name: string, node: XsNode): void {
    if (!tx) {
      this.putGlobal(name, node);
      return;
    }
    const e = tx.accessed.get(name);
    if (!e) throw new Error(`transaction ${tx.id} writes ${name} without reading it first`);
    if (e.node) tx.addOwned(e.node.perms[0].id, -1);
    tx.addOwned(node.perms[0].id, 1);
    e.node = node;
    e.modified = true;
  }

  /** Deletes one node in the request's view. */
  removeNode(tx: XsTransaction | undefined, name: string): void {
    if (!tx) {
      this.delGlobal(name);
      return;
    }
    const e = tx.accessed.get(name);
    if (!e) throw new Error(`transaction ${tx.id} deletes ${name} without reading it first`);
    if (e.node) tx.addOwned(e.node.perms[0].id, -1);
    e.node = undefined;
    e.modified = true;
  }

  /** Nodes owned by `domid` including a transaction's uncommitted changes. */
  ownedInView(tx: XsTransaction | undefined, domid: number): number {
    return this.ownedBy(domid) + (tx?.ownedDelta.get(domid) ?? 0);
  }
}

/** A WATCH_EVENT frame: req_id and tx_id are 0. */
export function encodeEvent(path: string, token: string): Buffer {
  const p = Buffer.byteLength(path, "latin1");
  const t = Buffer.byteLength(token, "latin1");
  const payload = Buffer.allocUnsafe(p + t + 2);
  payload.write(path, 0, "latin1");
  payload[p] = 0;
  payload.write(token, p + 1, "latin1");
  payload[p + t + 1] = 0;
  return encodeMessage(XsType.WATCH_EVENT, 0, 0, payload);
}
