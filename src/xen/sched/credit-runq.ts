/**
 * Intrusive doubly-linked lists over integer node ids in typed arrays: the `struct
 * list_head` lists of sched_credit.c (per-pCPU runqueues, per-domain active vCPU lists,
 * the active-domain list) without an object per node. Node ids below `nodes` are
 * elements; each list has a sentinel node id (its head) at or above that.
 *
 * An element is on no list when next[id] === -1 (list_del_init).
 */
export class LinkedLists {
  readonly next: Int32Array;
  readonly prev: Int32Array;

  constructor(size: number) {
    this.next = new Int32Array(size).fill(-1);
    this.prev = new Int32Array(size).fill(-1);
  }

  /** INIT_LIST_HEAD(head). */
  initHead(head: number): void {
    this.next[head] = head;
    this.prev[head] = head;
  }

  isEmpty(head: number): boolean {
    return this.next[head] === head;
  }

  onList(node: number): boolean {
    return this.next[node] !== -1;
  }

  /** list_add_tail(node, at): inserts `node` just before `at`. */
  insertBefore(node: number, at: number): void {
    const p = this.prev[at];
    this.next[p] = node;
    this.prev[node] = p;
    this.next[node] = at;
    this.prev[at] = node;
  }

  /** list_add(node, at): inserts `node` just after `at` (at the head when `at` is the sentinel). */
  insertAfter(node: number, at: number): void {
    this.insertBefore(node, this.next[at]);
  }

  /** list_del_init(node). */
  remove(node: number): void {
    const n = this.next[node];
    const p = this.prev[node];
    this.next[p] = n;
    this.prev[n] = p;
    this.next[node] = -1;
    this.prev[node] = -1;
  }

  /** Elements from head to tail (cold paths: dumps, tests). */
  toArray(head: number): number[] {
    const out: number[] = [];
    for (let i = this.next[head]; i !== head; i = this.next[i]) out.push(i);
    return out;
  }
}
