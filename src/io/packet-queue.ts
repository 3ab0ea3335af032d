/**
 * A FIFO of packets in struct-of-arrays form (STYLE 22): flow id, kind, size, the time
 * the packet entered the system (for latency), a time the stage cares about (arrival,
 * departure) and one numeric payload (acknowledged bytes, a sequence number). Grows by
 * doubling; never allocates per packet once warm.
 */

/** What a packet carries, as far as the models care. */
export const PKT = { data: 0, ack: 1, request: 2, response: 3 } as const;

export class PacketQueue {
  private cap: number;
  private mask: number;
  private head = 0;
  length = 0;
  private flow: Int32Array;
  private kind: Uint8Array;
  private size: Int32Array;
  private t0: Float64Array;
  private at: Float64Array;
  private aux: Float64Array;

  constructor(capacity = 64) {
    this.cap = 2 ** Math.ceil(Math.log2(Math.max(2, capacity)));
    this.mask = this.cap - 1;
    this.flow = new Int32Array(this.cap);
    this.kind = new Uint8Array(this.cap);
    this.size = new Int32Array(this.cap);
    this.t0 = new Float64Array(this.cap);
    this.at = new Float64Array(this.cap);
    this.aux = new Float64Array(this.cap);
  }

  push(flow: number, kind: number, size: number, t0: number, at: number, aux: number): void {
    if (this.length === this.cap) this.grow();
    const i = (this.head + this.length) & this.mask;
    this.flow[i] = flow;
    this.kind[i] = kind;
    this.size[i] = size;
    this.t0[i] = t0;
    this.at[i] = at;
    this.aux[i] = aux;
    this.length++;
  }

  /** Drops the head (read it first with the head* accessors). */
  shift(): void {
    this.head = (this.head + 1) & this.mask;
    this.length--;
  }

  headFlow(): number {
    return this.flow[this.head];
  }
  headKind(): number {
    return this.kind[this.head];
  }
  headSize(): number {
    return this.size[this.head];
  }
  headT0(): number {
    return this.t0[this.head];
  }
  headAt(): number {
    return this.at[this.head];
  }
  headAux(): number {
    return this.aux[this.head];
  }
  /** Field `at` of the i-th packet from the head. */
  atOf(i: number): number {
    return this.at[(this.head + i) & this.mask];
  }
  sizeOf(i: number): number {
    return this.size[(this.head + i) & this.mask];
  }
  flowOf(i: number): number {
    return this.flow[(this.head + i) & this.mask];
  }

  /** Packets from the head whose `at` is <= t (the queue is ordered by `at`). */
  countDue(t: number, max: number): number {
    let n = 0;
    while (n < this.length && n < max && this.at[(this.head + n) & this.mask] <= t) n++;
    return n;
  }

  clear(): void {
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const n = this.cap * 2;
    const move = <T extends Int32Array | Uint8Array | Float64Array>(a: T, b: T): T => {
      for (let i = 0; i < this.length; i++) b[i] = a[(this.head + i) & this.mask];
      return b;
    };
    this.flow = move(this.flow, new Int32Array(n));
    this.kind = move(this.kind, new Uint8Array(n));
    this.size = move(this.size, new Int32Array(n));
    this.t0 = move(this.t0, new Float64Array(n));
    this.at = move(this.at, new Float64Array(n));
    this.aux = move(this.aux, new Float64Array(n));
    this.head = 0;
    this.cap = n;
    this.mask = n - 1;
  }
}
