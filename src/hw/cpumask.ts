/**
 * A fixed-size set of pCPU numbers, the model of Xen's `cpumask_t`
 * (xen/include/xen/cpumask.h): idlers, affinities, sibling and core masks.
 *
 * Design. Bits live in a Uint32Array, one word per 32 pCPUs, so the set operations the
 * schedulers run on every wake and schedule (and, andnot, weight, cycle) touch a few
 * words and allocate nothing. Operations write into `this` (`dst.and(a, b)`), the way
 * Xen's `cpumask_and(dst, a, b)` does, so callers keep scratch masks and reuse them.
 * `cycle(n)` is Xen's `cpumask_cycle`: the next set bit after n, wrapping to the first.
 *
 * Hot path: benchmarked by `sched.credit`.
 */

/** Number of set bits in a 32-bit word (SWAR popcount). */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export class CpuMask {
  readonly words: Uint32Array;

  /** @param nbits the number of pCPUs the mask can hold (nr_cpu_ids). */
  constructor(readonly nbits: number) {
    this.words = new Uint32Array(Math.max(1, Math.ceil(nbits / 32)));
  }

  static of(nbits: number, cpus: Iterable<number>): CpuMask {
    const m = new CpuMask(nbits);
    for (const c of cpus) m.set(c);
    return m;
  }

  /** All of 0..nbits-1. */
  static full(nbits: number): CpuMask {
    const m = new CpuMask(nbits);
    m.fill();
    return m;
  }

  set(cpu: number): void {
    this.words[cpu >>> 5] |= 1 << (cpu & 31);
  }

  clear(cpu: number): void {
    this.words[cpu >>> 5] &= ~(1 << (cpu & 31));
  }

  test(cpu: number): boolean {
    return (this.words[cpu >>> 5] & (1 << (cpu & 31))) !== 0;
  }

  clearAll(): void {
    this.words.fill(0);
  }

  fill(): void {
    this.words.fill(0xffffffff);
    const extra = this.words.length * 32 - this.nbits;
    if (extra > 0) this.words[this.words.length - 1] >>>= extra;
  }

  copy(src: CpuMask): this {
    this.words.set(src.words);
    return this;
  }

  and(a: CpuMask, b: CpuMask): this {
    const w = this.words;
    for (let i = 0; i < w.length; i++) w[i] = a.words[i] & b.words[i];
    return this;
  }

  andNot(a: CpuMask, b: CpuMask): this {
    const w = this.words;
    for (let i = 0; i < w.length; i++) w[i] = a.words[i] & ~b.words[i];
    return this;
  }

  or(a: CpuMask, b: CpuMask): this {
    const w = this.words;
    for (let i = 0; i < w.length; i++) w[i] = a.words[i] | b.words[i];
    return this;
  }

  isEmpty(): boolean {
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }

  intersects(o: CpuMask): boolean {
    const w = this.words;
    for (let i = 0; i < w.length; i++) if ((w[i] & o.words[i]) !== 0) return true;
    return false;
  }

  /** Whether every bit of this is in `o` (cpumask_subset). */
  subsetOf(o: CpuMask): boolean {
    const w = this.words;
    for (let i = 0; i < w.length; i++) if ((w[i] & ~o.words[i]) !== 0) return false;
    return true;
  }

  equals(o: CpuMask): boolean {
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== o.words[i]) return false;
    return true;
  }

  /** Number of set bits (cpumask_weight). */
  weight(): number {
    let n = 0;
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) n += popcount32(w[i]);
    return n;
  }

  /** Lowest set bit, or -1 when empty (cpumask_first, with -1 for nr_cpu_ids). */
  first(): number {
    return this.next(-1);
  }

  /** Lowest set bit above `cpu`, or -1 (cpumask_next). */
  next(cpu: number): number {
    const w = this.words;
    let i = (cpu + 1) >>> 5;
    if (cpu + 1 >= this.nbits) return -1;
    let word = w[i] & (0xffffffff << ((cpu + 1) & 31));
    for (;;) {
      if (word !== 0) {
        const bit = i * 32 + lowestBit(word);
        return bit < this.nbits ? bit : -1;
      }
      if (++i >= w.length) return -1;
      word = w[i];
    }
  }

  /** Next set bit after `cpu`, wrapping round to the first; -1 when empty (cpumask_cycle). */
  cycle(cpu: number): number {
    const n = this.next(cpu);
    return n >= 0 ? n : this.first();
  }

  /** The set bits in ascending order (cold paths: dumps, tests). */
  toArray(): number[] {
    const out: number[] = [];
    for (let c = this.first(); c >= 0; c = this.next(c)) out.push(c);
    return out;
  }

  /** Xen's cpulist format, as `xl vcpu-list` prints affinities: "0-3,6", "all", "none". */
  toList(): string {
    const cpus = this.toArray();
    if (cpus.length === 0) return "none";
    if (cpus.length === this.nbits) return "all";
    const parts: string[] = [];
    for (let i = 0; i < cpus.length; ) {
      let j = i;
      while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
      parts.push(j === i ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
      i = j + 1;
    }
    return parts.join(",");
  }
}
