/**
 * The requests on the tree: READ, WRITE, MKDIR, RM, DIRECTORY(_PART), GET/SET_PERMS,
 * WATCH, UNWATCH, TRANSACTION_START/END, RESET_WATCHES, GET_DOMAIN_PATH.
 *
 * Source: Xen 4.17 `tools/xenstore/xenstored_core.c` (do_read, do_write, do_mkdir,
 * do_rm, send_directory, send_directory_part, do_get_perms, do_set_perms, create_node,
 * rm_node, get_node_chk_perm, errno_from_parents), `xenstored_watch.c` (do_watch,
 * do_unwatch), `xenstored_transaction.c` (do_transaction_start/end,
 * finalize_transaction), `xenstored_domain.c` (do_get_domain_path, do_reset_watches).
 *
 * Errors follow xenstored, including its information-hiding rule: a failed lookup says
 * ENOENT only when the nearest existing ancestor grants the requested access, EACCES
 * otherwise, so a domain cannot probe for nodes it may not see.
 */
import type { Xenstored } from "./xenstored.js";
import type { XsConnection } from "./xs-connection.js";
import {
  childrenPayload,
  makeNode,
  NO_GENERATION,
  nodeSize,
  withChildAdded,
  withChildRemoved,
  withPerms,
  withValue,
  type XsNode,
} from "./xs-node.js";
import { baseName, canonicalize, childName, parentOf } from "./xs-path.js";
import {
  formatPerms,
  PERM_IGNORE,
  PERM_NONE,
  PERM_OWNER,
  PERM_READ,
  PERM_WRITE,
  parsePerm,
  permForConn,
  type XsPerm,
} from "./xs-perms.js";
import { XsTransaction } from "./xs-transaction.js";
import { fireWatches, sendEvent } from "./xs-watch.js";
import { type Errno, XENSTORE_PAYLOAD_MAX, XENSTORE_REL_PATH_MAX } from "./xs-wire.js";

type Tx = XsTransaction | undefined;

/** Effective quota: 0 disables a quota ("0 having the special meaning of quota checks being disabled"). */
function quota(c: XsConnection, key: Parameters<Xenstored["quota"]>[1], wire: string): number {
  const q = c.store.quota(c, key, wire);
  return q === 0 ? Number.POSITIVE_INFINITY : q;
}

function permOf(c: XsConnection, perms: readonly XsPerm[]): number {
  return permForConn(perms, c.domid, c.privileged, c.target);
}

function canon(c: XsConnection, path: string | undefined, allowSpecial: boolean): string | undefined {
  return canonicalize(path, c.home, allowSpecial, c.store.quotas.pathMax || XENSTORE_REL_PATH_MAX);
}

/**
 * get_node() with its permission check: the node, or ENOENT / EACCES by the
 * information-hiding rule of errno_from_parents().
 */
function getNodeChk(c: XsConnection, tx: Tx, name: string, perm: number): XsNode | Errno {
  const xs = c.store;
  const node = xs.fetch(c, tx, name);
  if (node === "ENOSPC") return node;
  let err: Errno;
  if (node) {
    if ((permOf(c, node.perms) & perm) === perm) return node;
    err = "EACCES";
  } else {
    err = "ENOENT";
  }
  // Privileged outside a transaction: the ancestor walk cannot change the answer.
  if (c.privileged && !tx) return err;
  return errnoFromParents(c, tx, name, err, perm);
}

function errnoFromParents(c: XsConnection, tx: Tx, name: string, err: Errno, perm: number): Errno {
  let parentPerm = PERM_NONE;
  let n = name;
  do {
    n = parentOf(n);
    const p = c.store.fetch(c, tx, n);
    if (p === "ENOSPC") return p;
    if (p) {
      parentPerm = permOf(c, p.perms);
      break;
    }
  } while (n !== "/");
  return parentPerm & perm ? err : "EACCES";
}

/** node-size quota for unprivileged writers (write_node_raw). In a transaction a failure dooms it. */
function nodeTooBig(c: XsConnection, tx: Tx, n: XsNode): boolean {
  if (c.privileged) return false;
  if (nodeSize(n) >= quota(c, "nodeSize", "node-size")) {
    if (tx) tx.failed = true;
    return true;
  }
  return false;
}

export function read(c: XsConnection, tx: Tx, path: string | undefined): Buffer | Errno {
  const name = canon(c, path, false);
  if (!name) return "EINVAL";
  const n = getNodeChk(c, tx, name, PERM_READ);
  return typeof n === "string" ? n : n.value;
}

export function directory(c: XsConnection, tx: Tx, path: string | undefined): string[] | Errno {
  const n = directoryNode(c, tx, path);
  if (typeof n === "string") return n;
  return [...n.children];
}

/** DIRECTORY's reply payload (E2BIG when the children list exceeds the payload limit). */
export function directoryNode(c: XsConnection, tx: Tx, path: string | undefined): XsNode | Errno {
  const name = canon(c, path, false);
  if (!name) return "EINVAL";
  const n = getNodeChk(c, tx, name, PERM_READ);
  if (typeof n === "string") return n;
  if (n.childBytes > XENSTORE_PAYLOAD_MAX) return "E2BIG";
  return n;
}

/** DIRECTORY_PART: `gencnt\0` then the children from byte `offset`, a final extra NUL at the end. */
export function directoryPart(c: XsConnection, tx: Tx, path: string, offset: string): Buffer | Errno {
  const name = canon(c, path, false);
  if (!name) return "EINVAL";
  const n = getNodeChk(c, tx, name, PERM_READ);
  if (typeof n === "string") return n;
  const off = atoiU32(offset);
  const gen = Buffer.from(`${n.generation}\0`, "latin1");
  const all = childrenPayload(n);
  if (off >= all.length) return Buffer.concat([gen, Buffer.from([0])]);
  const maxlen = XENSTORE_PAYLOAD_MAX - gen.length - 1;
  let len = 0;
  let pos = off;
  for (;;) {
    const nul = all.indexOf(0, pos);
    const slen = (nul < 0 ? all.length : nul) - pos;
    if (len + slen >= maxlen) break;
    len += slen + 1;
    pos += slen + 1;
    if (off + len >= all.length) break;
  }
  const end = off + len >= all.length;
  return Buffer.concat([gen, all.subarray(off, off + len), end ? Buffer.from([0]) : Buffer.alloc(0)]);
}

/** C atoi() of a decimal prefix, as an unsigned 32-bit offset. */
export function atoiU32(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  return Number(BigInt.asUintN(32, BigInt(m[1])));
}

export function getPerms(c: XsConnection, tx: Tx, path: string | undefined): string[] | Errno {
  // 4.17 has no GET_PERMS for @special names (EINVAL); later versions allow it.
  const name = canon(c, path, c.store.version !== "4.17");
  if (!name) return "EINVAL";
  const n = getNodeChk(c, tx, name, PERM_READ);
  return typeof n === "string" ? n : formatPerms(n.perms);
}

export function write(c: XsConnection, tx: Tx, path: string | undefined, value: Buffer): Errno | undefined {
  const xs = c.store;
  const name = canon(c, path, false);
  if (!name) return "EINVAL";
  const found = getNodeChk(c, tx, name, PERM_WRITE);
  let node: XsNode;
  if (typeof found === "string") {
    if (found !== "ENOENT") return found;
    const created = createNode(c, tx, name, value);
    if (typeof created === "string") return created;
    node = created;
  } else {
    node = withValue(found, value, xs.nextGeneration());
    if (nodeTooBig(c, tx, node)) return "ENOSPC";
    xs.storeNode(tx, name, node);
  }
  fireWatches(xs, tx, name, node, false);
  return undefined;
}

export function mkdir(c: XsConnection, tx: Tx, path: string | undefined): Errno | undefined {
  const name = canon(c, path, false);
  if (!name) return "EINVAL";
  const found = getNodeChk(c, tx, name, PERM_WRITE);
  if (typeof found !== "string") return undefined;
  if (found !== "ENOENT") return found;
  const created = createNode(c, tx, name, Buffer.alloc(0));
  if (typeof created === "string") return created;
  fireWatches(c.store, tx, name, created, false);
  return undefined;
}

/**
 * create_node(): `name` and any missing ancestors, each inheriting its parent's
 * permissions (an unprivileged creator becomes the owner), written deepest first with
 * the nodes and node-size quotas checked at each step as xenstored does.
 */
function createNode(c: XsConnection, tx: Tx, name: string, value: Buffer): XsNode | Errno {
  const xs = c.store;
  const chain: string[] = [name];
  let parentName = parentOf(name);
  let parent = xs.fetch(c, tx, parentName);
  while (parent === undefined) {
    if (parentName === "/") return "ENOENT";
    chain.push(parentName);
    parentName = parentOf(parentName);
    parent = xs.fetch(c, tx, parentName);
  }
  if (parent === "ENOSPC") return parent;
  if (tx) tx.nodeCreated = true;
  const perms: readonly XsPerm[] = c.privileged
    ? parent.perms
    : [{ id: c.domid, bits: parent.perms[0].bits }, ...parent.perms.slice(1)];
  // Build bottom-up, checking each write as xenstored would before doing any of them.
  const built: XsNode[] = [];
  const nodesQuota = quota(c, "nodes", "nodes");
  for (let i = 0; i < chain.length; i++) {
    const owned = c.privileged ? 0 : tx ? xs.ownedBy(c.domid) : xs.ownedBy(c.domid) + i;
    if (owned >= nodesQuota) return failCreate(tx, i, false);
    const children = i === 0 ? [] : [baseName(chain[i - 1])];
    const n = makeNode(
      i === 0 ? value : Buffer.alloc(0),
      perms,
      children,
      i === 0 ? 0 : children[0].length + 1,
      0,
    );
    if (!c.privileged && nodeSize(n) >= quota(c, "nodeSize", "node-size")) return failCreate(tx, i, true);
    built.push(n);
  }
  const newParent = withChildAdded(parent, baseName(chain[chain.length - 1]), 0);
  if (!c.privileged && nodeSize(newParent) >= quota(c, "nodeSize", "node-size")) {
    return failCreate(tx, chain.length, true);
  }
  let deepest: XsNode | undefined;
  for (let i = 0; i < chain.length; i++) {
    const b = built[i];
    const n = makeNode(b.value, b.perms, b.children, b.childBytes, xs.nextGeneration());
    xs.storeNode(tx, chain[i], n);
    if (i === 0) deepest = n;
  }
  xs.storeNode(
    tx,
    parentName,
    withChildAdded(parent, baseName(chain[chain.length - 1]), xs.nextGeneration()),
  );
  return deepest!;
}

/** A create failed at write step `step`; xenstored then undoes earlier steps, which dooms a transaction. */
function failCreate(tx: Tx, step: number, sizeCheck: boolean): Errno {
  if (tx && (step > 0 || sizeCheck)) tx.failed = true;
  return "ENOSPC";
}

export function rm(c: XsConnection, tx: Tx, path: string | undefined): Errno | undefined {
  const xs = c.store;
  const name = canon(c, path, false);
  if (!name) return "EINVAL";
  const found = getNodeChk(c, tx, name, PERM_WRITE);
  if (typeof found === "string") {
    if (found !== "ENOENT") return found;
    // Not there: fine, if the parent is.
    const parent = xs.fetch(c, tx, parentOf(name));
    if (parent === "ENOSPC") return parent;
    return parent ? undefined : "ENOENT";
  }
  if (name === "/") return "EINVAL";
  return rmNode(c, tx, name);
}

/**
 * rm_node(): removes `name` and its subtree. Nodes go children first; each fires the
 * watches on exactly itself, the root of the removal fires normally (so watchers of an
 * ancestor see one event), as xenstored's delnode_sub does.
 */
export function rmNode(c: XsConnection, tx: Tx, name: string): Errno | undefined {
  const xs = c.store;
  const parentName = parentOf(name);
  const parent = xs.fetch(c, tx, parentName);
  if (parent === "ENOSPC") return parent;
  if (!parent) return "EINVAL";
  const err = removeSubtree(c, tx, name, name);
  if (err) return err;
  xs.storeNode(tx, parentName, withChildRemoved(parent, baseName(name), xs.nextGeneration()));
  return undefined;
}

function removeSubtree(c: XsConnection, tx: Tx, name: string, root: string): Errno | undefined {
  const xs = c.store;
  const node = xs.fetch(c, tx, name);
  if (node === "ENOSPC") return node;
  if (!node) return undefined;
  for (const child of node.children) {
    const err = removeSubtree(c, tx, childName(name, child), root);
    if (err) return err;
  }
  xs.removeNode(tx, name);
  fireWatches(xs, tx, name, node, name !== root);
  return undefined;
}

export function setPerms(
  c: XsConnection,
  tx: Tx,
  path: string | undefined,
  entries: readonly string[],
): Errno | undefined {
  const xs = c.store;
  if (entries.length < 1) return "EINVAL";
  if (!c.privileged && entries.length > quota(c, "permissions", "permissions")) return "ENOSPC";
  const perms: XsPerm[] = [];
  for (const e of entries) {
    const p = parsePerm(e);
    if (!p) return "EINVAL";
    // domain_alloc_permrefs(): entries for domains that do not exist are kept but ignored.
    perms.push(xs.domains.exists(p.id) ? p : { id: p.id, bits: p.bits | PERM_IGNORE });
  }
  if (perms[0].bits & PERM_IGNORE) return "ENOENT";
  const name = canon(c, path, true);
  if (!name) return "EINVAL";
  const node = getNodeChk(c, tx, name, PERM_WRITE | PERM_OWNER);
  if (typeof node === "string") return node;
  if (!c.privileged && perms[0].id !== node.perms[0].id) return "EPERM";
  const updated = withPerms(node, perms, xs.nextGeneration());
  if (nodeTooBig(c, tx, updated)) return "ENOSPC";
  xs.storeNode(tx, name, updated);
  fireWatches(xs, tx, name, updated, false, node.perms);
  return undefined;
}

/**
 * WATCH. On success `acked` runs (the wire layer queues the OK reply there), then the
 * watch fires once at once with the watched path, as xenstored does after its ack.
 */
export function watch(
  c: XsConnection,
  path: string | undefined,
  token: string,
  depth: number,
  acked?: () => void,
): Errno | undefined {
  if (path === undefined) return "EINVAL";
  const relative = !path.startsWith("/") && !path.startsWith("@");
  const name = canon(c, path, true);
  if (!name) return "EINVAL";
  for (const w of c.watches) if (w.node === name && w.token === token) return "EEXIST";
  if (!c.privileged && c.watches.length > quota(c, "watches", "watches")) return "E2BIG";
  const w = { node: name, token, prefixLen: relative ? c.home.length + 1 : 0, depth };
  c.watches.push(w);
  acked?.();
  sendEvent(c.store, c, name.slice(w.prefixLen), token);
  return undefined;
}

export function unwatch(c: XsConnection, path: string | undefined, token: string): Errno | undefined {
  const name = canon(c, path, true);
  if (!name) return "EINVAL";
  const i = c.watches.findIndex((w) => w.node === name && w.token === token);
  if (i < 0) return "ENOENT";
  c.watches.splice(i, 1);
  return undefined;
}

export function transactionStart(c: XsConnection, tx: Tx): number | Errno {
  if (tx) return "EBUSY";
  if (!c.privileged && c.transactions.size > quota(c, "transactions", "transactions")) return "ENOSPC";
  let id: number;
  do {
    id = c.nextTxId;
    c.nextTxId = (c.nextTxId + 1) >>> 0;
  } while (id === 0 || c.transactions.has(id));
  c.transactions.set(id, new XsTransaction(id, c.store.nextGeneration()));
  return id;
}

/** TRANSACTION_END: the transaction is gone afterwards whatever the outcome. */
export function transactionEnd(c: XsConnection, tx: Tx, commit: boolean): Errno | undefined {
  if (!tx) return "ENOENT";
  c.transactions.delete(tx.id);
  if (!commit) return undefined;
  if (tx.failed) return "ENOMEM";
  const xs = c.store;
  if (tx.nodeCreated && !c.privileged) {
    const limit = quota(c, "nodes", "nodes");
    for (const [domid, delta] of tx.ownedDelta) {
      if (!xs.isPrivilegedDomid(domid) && xs.ownedBy(domid) + delta >= limit) return "ENOSPC";
    }
  }
  for (const [name, e] of tx.accessed) {
    const cur = xs.nodes.get(name);
    if ((cur ? cur.generation : NO_GENERATION) !== e.gen) return "EAGAIN";
  }
  for (const [name, e] of tx.accessed) {
    if (!e.modified) continue;
    if (e.node) {
      xs.putGlobal(
        name,
        makeNode(e.node.value, e.node.perms, e.node.children, e.node.childBytes, xs.nextGeneration()),
      );
    } else if (e.gen !== NO_GENERATION) {
      xs.delGlobal(name);
    }
    if (e.fireWatch) fireWatches(xs, undefined, name, undefined, e.watchExact, e.oldPerms);
  }
  return undefined;
}

export function resetWatches(c: XsConnection): Errno | undefined {
  c.watches.length = 0;
  c.transactions.clear();
  return undefined;
}

export function getDomainPath(arg: string | undefined): string | Errno {
  if (arg === undefined) return "EINVAL";
  return `/local/domain/${atoiU32(arg)}`;
}
