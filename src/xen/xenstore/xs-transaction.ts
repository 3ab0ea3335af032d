/**
 * Transactions: what one transaction has seen and changed.
 *
 * Source: Xen `tools/xenstored/transaction.c` (struct transaction, struct accessed_node,
 * access_node, queue_watches, finalize_transaction), Xen 4.17 semantics.
 *
 * Design. A transaction records every node it touches, in first-access order, with the
 * generation the node had then (NO_GENERATION when it did not exist) and its own copy of
 * the node. Reads of untouched nodes see the latest committed value, and from then on
 * the same value (repeatable reads). At commit, if any touched node's committed
 * generation differs from the recorded one (written or deleted meanwhile, or created
 * when it was absent), the commit fails with EAGAIN and the client retries the whole
 * transaction; otherwise the modified copies replace the committed nodes, each with a
 * fresh generation, and the queued watch events fire. Because every modification first
 * reads the node (as xenstored's write paths do), a committed transaction read a
 * consistent state: transactions are serializable. This is optimistic concurrency as
 * xenstored does it, not a copy of the whole database at start (the old xenstore.txt
 * wording, which current xenstored no longer follows).
 */
import type { XsNode } from "./xs-node.js";
import type { XsPerm } from "./xs-perms.js";

export interface TxEntry {
  /** Committed generation at first access (NO_GENERATION when absent then). */
  readonly gen: number;
  /** Permissions at first access, for watch permission checks after a change. */
  readonly oldPerms: readonly XsPerm[] | undefined;
  /** The transaction's copy; undefined when absent or deleted in the transaction. */
  node: XsNode | undefined;
  modified: boolean;
  /** A watch event is queued for this node (queue_watches). */
  fireWatch: boolean;
  /** The queued event matches only watches on exactly this node. */
  watchExact: boolean;
}

export class XsTransaction {
  /** Touched nodes in first-access order (xenstored's `accessed` list). */
  readonly accessed = new Map<string, TxEntry>();
  /** Net change of nodes owned, per domain, applied at commit (changed_domains). */
  readonly ownedDelta = new Map<number, number>();
  /** Set when the transaction can no longer commit (a quota hit inside it). */
  failed = false;
  /** A node was created inside the transaction (commit then checks the nodes quota). */
  nodeCreated = false;

  constructor(
    readonly id: number,
    /** Global generation taken at start. */
    readonly generation: number,
  ) {}

  addOwned(domid: number, delta: number): void {
    this.ownedDelta.set(domid, (this.ownedDelta.get(domid) ?? 0) + delta);
  }

  /** queue_watches(): remember to fire for `name` at commit; non-exact wins over exact. */
  queueWatch(name: string, exact: boolean): void {
    const e = this.accessed.get(name);
    if (!e) {
      this.failed = true;
      return;
    }
    if (!e.fireWatch) {
      e.fireWatch = true;
      e.watchExact = exact;
    } else if (!exact) {
      e.watchExact = false;
    }
  }
}
