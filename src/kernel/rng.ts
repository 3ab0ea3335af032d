/**
 * Seeded random streams: xoshiro128** (Blackman and Vigna, 2018), one per
 * (scenario seed, stable entity name).
 *
 * Why this generator: 128 bits of state, period 2^128 - 1, passes BigCrush, and it is
 * all 32-bit integer arithmetic (Math.imul, shifts), which JS engines run fast without
 * BigInt. A double in [0, 1) takes 53 bits from two outputs, so every representable
 * value of that grid is reachable.
 *
 * Streams. The four state words come from hashing the text `${seed}/${name}` with four
 * independently keyed lanes of a murmur3-style mix (128 bits in all), so two streams
 * collide only with probability ~2^-128 and adding an entity never shifts another
 * entity's draws. The state is never all zero (the one state xoshiro must avoid).
 */

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seedWords: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = seedWords.map((w) => w >>> 0);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  /** Stream for an entity: same (seed, name) gives the same sequence, always. */
  static stream(seed: number, name: string): Rng {
    return new Rng(hash128(`${seed}/${name}`));
  }

  /** Next 32-bit unsigned output. Hot path: benchmarked by `kernel.hold`. */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = rotl(n3, 11);
    return result >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in (0, 1]: safe for -log(u). */
  nextOpen(): number {
    return 1 - this.next();
  }

  /** Uniform integer in [0, n) without modulo bias (Lemire's rejection on 32 bits). */
  int(n: number): number {
    if (!(n > 0 && n <= 0x100000000 && Number.isInteger(n))) throw new RangeError(`bad range ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Snapshot of the state, for checkpoints. */
  save(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** 128-bit hash of a string: four murmur3-style lanes with different keys. */
export function hash128(text: string): [number, number, number, number] {
  const keys = [0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f, 0x165667b1];
  return keys.map((key, lane) => {
    let h = Math.imul(key, lane + 1) ^ 0x5bd1e995;
    for (let i = 0; i < text.length; i++) {
      let c = Math.imul(text.charCodeAt(i) + lane, 0xcc9e2d51);
      c = rotl(c, 15);
      c = Math.imul(c, 0x1b873593);
      h ^= c;
      h = rotl(h, 13);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    return fmix32(h ^ text.length) >>> 0;
  }) as [number, number, number, number];
}

/** murmur3's finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
