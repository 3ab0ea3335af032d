/**
 * A xenstore node and the global node table.
 *
 * Source: Xen `tools/xenstored/core.c` (struct node, the hashtable "nodes" keyed by full
 * name, generation counts) and `transaction.c` (the generation rules).
 *
 * Nodes are immutable values: a change builds a new node and replaces the table entry.
 * A transaction can then keep the node it first saw by reference (its snapshot) while
 * the global table moves on, with no copying. Children are kept in creation order, which
 * is the order DIRECTORY returns them in, as xenstored's NUL-separated children field.
 *
 * Generations: one global counter; every modification stores ++counter in the node, and
 * every transaction start takes ++counter too, so generations are unique (transaction.c
 * "Some notes regarding detection and handling of transaction conflicts").
 */
import type { XsPerm } from "./xs-perms.js";
import { nodeRecordSize } from "./xs-quota.js";

export interface XsNode {
  readonly value: Buffer;
  readonly perms: readonly XsPerm[];
  /** Leaf names of the children, in creation order. */
  readonly children: readonly string[];
  /** Sum over children of (name length + 1): xenstored's childlen. */
  readonly childBytes: number;
  readonly generation: number;
}

/** No generation: the node did not exist (NO_GENERATION in xenstored). */
export const NO_GENERATION = -1;

const EMPTY: Buffer = Buffer.alloc(0);

export function makeNode(
  value: Buffer,
  perms: readonly XsPerm[],
  children: readonly string[],
  childBytes: number,
  generation: number,
): XsNode {
  return { value, perms, children, childBytes, generation };
}

export function emptyValue(): Buffer {
  return EMPTY;
}

export function withValue(n: XsNode, value: Buffer, generation: number): XsNode {
  return makeNode(value, n.perms, n.children, n.childBytes, generation);
}

export function withPerms(n: XsNode, perms: readonly XsPerm[], generation: number): XsNode {
  return makeNode(n.value, perms, n.children, n.childBytes, generation);
}

export function withChildAdded(n: XsNode, child: string, generation: number): XsNode {
  return makeNode(n.value, n.perms, [...n.children, child], n.childBytes + child.length + 1, generation);
}

export function withChildRemoved(n: XsNode, child: string, generation: number): XsNode {
  const i = n.children.indexOf(child);
  if (i < 0) return n;
  const children = n.children.slice(0, i).concat(n.children.slice(i + 1));
  return makeNode(n.value, n.perms, children, n.childBytes - child.length - 1, generation);
}

/** Bytes this node counts against the node-size quota. */
export function nodeSize(n: XsNode): number {
  return nodeRecordSize(n.value.length, n.perms.length, n.childBytes);
}

/** Encoded children lists, kept per (immutable) node so repeated DIRECTORY requests reuse them. */
const childrenCache = new WeakMap<XsNode, Buffer>();

/**
 * The children field as xenstored stores and sends it: each name followed by a NUL.
 * Hot path (benchmark xenstore.directory): encoded once per node version. The Buffer is
 * shared: callers must not modify it.
 */
export function childrenPayload(n: XsNode): Buffer {
  const cached = childrenCache.get(n);
  if (cached) return cached;
  const out = Buffer.allocUnsafe(n.childBytes);
  let off = 0;
  for (const c of n.children) {
    off += out.write(c, off, "latin1");
    out[off++] = 0;
  }
  childrenCache.set(n, out);
  return out;
}
