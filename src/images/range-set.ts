/**
 * Sets of half-open byte ranges [start, end), kept sorted, disjoint and coalesced. Usage
 * accounting builds one per image (its own data, what it inherits, what children read)
 * and combines them; sizes are in the millions of ranges at most, so plain arrays and
 * linear merges suffice.
 */
export class RangeSet {
  private constructor(
    readonly starts: readonly number[],
    readonly ends: readonly number[],
  ) {}

  static readonly EMPTY = new RangeSet([], []);

  /** From ranges in any order, possibly overlapping; empty ranges are dropped. */
  static of(ranges: Iterable<readonly [number, number]>): RangeSet {
    const list = [...ranges].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
    const starts: number[] = [];
    const ends: number[] = [];
    for (const [s, e] of list) {
      const n = ends.length;
      if (n > 0 && s <= ends[n - 1]) {
        if (e > ends[n - 1]) ends[n - 1] = e;
      } else {
        starts.push(s);
        ends.push(e);
      }
    }
    return new RangeSet(starts, ends);
  }

  /** Guest clusters (sorted ascending) as byte ranges, clipped to `limit`. */
  static ofClusters(clusters: readonly number[], clusterSize: number, limit: number): RangeSet {
    const starts: number[] = [];
    const ends: number[] = [];
    for (const c of clusters) {
      const s = c * clusterSize;
      const e = Math.min(s + clusterSize, limit);
      if (e <= s) continue;
      const n = ends.length;
      if (n > 0 && s <= ends[n - 1]) {
        if (e > ends[n - 1]) ends[n - 1] = e;
      } else {
        starts.push(s);
        ends.push(e);
      }
    }
    return new RangeSet(starts, ends);
  }

  get count(): number {
    return this.starts.length;
  }

  /** Total bytes covered. */
  size(): number {
    let t = 0;
    for (let i = 0; i < this.starts.length; i++) t += this.ends[i] - this.starts[i];
    return t;
  }

  union(other: RangeSet): RangeSet {
    const pairs: [number, number][] = [];
    for (let i = 0; i < this.count; i++) pairs.push([this.starts[i], this.ends[i]]);
    for (let i = 0; i < other.count; i++) pairs.push([other.starts[i], other.ends[i]]);
    return RangeSet.of(pairs);
  }

  intersect(other: RangeSet): RangeSet {
    const starts: number[] = [];
    const ends: number[] = [];
    let i = 0;
    let j = 0;
    while (i < this.count && j < other.count) {
      const s = Math.max(this.starts[i], other.starts[j]);
      const e = Math.min(this.ends[i], other.ends[j]);
      if (e > s) {
        starts.push(s);
        ends.push(e);
      }
      if (this.ends[i] < other.ends[j]) i++;
      else j++;
    }
    return new RangeSet(starts, ends);
  }

  /** This minus `other`. */
  subtract(other: RangeSet): RangeSet {
    const starts: number[] = [];
    const ends: number[] = [];
    let j = 0;
    for (let i = 0; i < this.count; i++) {
      let s = this.starts[i];
      const e = this.ends[i];
      while (j < other.count && other.ends[j] <= s) j++;
      let k = j;
      while (k < other.count && other.starts[k] < e) {
        if (other.starts[k] > s) {
          starts.push(s);
          ends.push(other.starts[k]);
        }
        s = Math.max(s, other.ends[k]);
        if (other.ends[k] >= e) break;
        k++;
      }
      if (s < e) {
        starts.push(s);
        ends.push(e);
      }
    }
    return new RangeSet(starts, ends);
  }

  /** Clipped to [0, limit). */
  clip(limit: number): RangeSet {
    return this.intersect(new RangeSet([0], [limit]));
  }
}
