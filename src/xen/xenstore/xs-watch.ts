/**
 * Firing watches.
 *
 * Source: Xen `tools/xenstored/watch.c` (fire_watches, watch_permitted, is_child,
 * send_event) and `docs/misc/xenstore.txt` (WATCH, WATCH_EVENT).
 *
 * A change to node `name` is offered to every connection in creation order. The
 * connection must be able to read the node or its parent (or, for a permission change,
 * have been able to read it under the old permissions). Then each of its watches, in
 * registration order, fires when `name` is the watched node or lies below it (`exact`:
 * only when it is the watched node, used for nodes removed below the root of an RM and
 * for the @special events). Inside a transaction nothing fires: the event is queued on
 * the transaction's record of the node and fires at commit.
 */
import type { Xenstored } from "./xenstored.js";
import type { XsConnection } from "./xs-connection.js";
import type { XsNode } from "./xs-node.js";
import { depthBelow, isChild, parentOf } from "./xs-path.js";
import { PERM_READ, permForConn, type XsPerm } from "./xs-perms.js";
import type { XsTransaction } from "./xs-transaction.js";
import { XENSTORE_PAYLOAD_MAX } from "./xs-wire.js";

/** Can `c` read a node with these permissions? */
export function canRead(xs: Xenstored, c: XsConnection, perms: readonly XsPerm[]): boolean {
  return (permForConn(perms, c.domid, c.privileged, xs.domains.get(c.domid)?.target) & PERM_READ) !== 0;
}

/** watch_permitted(): the node or its parent readable, or readable under the old permissions. */
function watchPermitted(
  xs: Xenstored,
  c: XsConnection,
  name: string,
  node: XsNode | undefined,
  oldPerms: readonly XsPerm[] | undefined,
): boolean {
  if (c.privileged) return true;
  if (oldPerms && canRead(xs, c, oldPerms)) return true;
  const n = node ?? xs.nodes.get(name);
  if (!n) return false;
  if (canRead(xs, c, n.perms)) return true;
  // The parent of an @special name is "/" (get_parent), which guests cannot normally read.
  const parent = xs.nodes.get(parentOf(name));
  return parent !== undefined && canRead(xs, c, parent.perms);
}

/**
 * fire_watches(): the change to `name` (made in `tx`, if any) reaches matching watches.
 * `node` is the node as changed (for deletions: before removal).
 */
export function fireWatches(
  xs: Xenstored,
  tx: XsTransaction | undefined,
  name: string,
  node: XsNode | undefined,
  exact: boolean,
  oldPerms?: readonly XsPerm[],
): void {
  if (tx) {
    tx.queueWatch(name, exact);
    return;
  }
  for (const c of xs.connections.values()) {
    if (c.watches.length === 0) continue;
    if (!watchPermitted(xs, c, name, node, oldPerms)) continue;
    for (const w of c.watches) {
      const hit = exact ? name === w.node : isChild(name, w.node);
      if (!hit) continue;
      if (w.depth >= 0 && depthBelow(name, w.node) > w.depth) continue;
      sendEvent(xs, c, name.slice(w.prefixLen), w.token);
    }
  }
}

/** send_event(): queue one event; over-long events are not sent, as in xenstored. */
export function sendEvent(xs: Xenstored, c: XsConnection, path: string, token: string): void {
  if (path.length + token.length + 2 > XENSTORE_PAYLOAD_MAX) return;
  xs.queueEvent(c, path, token);
}

/** fire_special_watches(): @introduceDomain / @releaseDomain, exact match only. */
export function fireSpecial(xs: Xenstored, name: "@introduceDomain" | "@releaseDomain"): void {
  const node = xs.nodes.get(name);
  if (node) fireWatches(xs, undefined, name, node, true);
}
