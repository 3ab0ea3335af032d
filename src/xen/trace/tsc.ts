/**
 * Simulated ns <-> TSC cycles at the host's clock rate, exactly.
 *
 * tsc = floor(ns * hz / 1e9). For hz >= 1 GHz every ns maps to a distinct cycle count,
 * and ns = ceil(tsc * 1e9 / hz) recovers it exactly (with h = hz/1e9 >= 1:
 * n h - 1 < tsc <= n h, so n - 1/h < tsc/h <= n and the ceiling is n). So times read
 * back from a trace equal the simulation's to the ns. Products are kept exact: with
 * hz = a/b GHz in lowest terms the arithmetic uses a and b, falling back to BigInt when
 * a product would pass 2^53.
 */

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export class TscClock {
  private readonly a: number;
  private readonly b: number;

  constructor(readonly hz: number) {
    if (!Number.isSafeInteger(hz) || hz < 1e9)
      throw new RangeError(`TSC rate must be a whole number of Hz >= 1 GHz, got ${hz}`);
    const g = gcd(hz, 1e9);
    this.a = hz / g;
    this.b = 1e9 / g;
  }

  /** Cycles at `ns` (ns >= 0, integer). */
  toTsc(ns: number): number {
    const { a, b } = this;
    const q = Math.floor(ns / b);
    const r = ns - q * b;
    if (q * a <= Number.MAX_SAFE_INTEGER && r * a <= Number.MAX_SAFE_INTEGER)
      return q * a + Math.floor((r * a) / b);
    return Number((BigInt(ns) * BigInt(a)) / BigInt(b));
  }

  /** The ns whose TSC is `tsc` (the inverse of toTsc on its image). */
  toNs(tsc: number): number {
    const { a, b } = this;
    const q = Math.floor(tsc / a);
    const r = tsc - q * a;
    if (q * b <= Number.MAX_SAFE_INTEGER && r * b <= Number.MAX_SAFE_INTEGER)
      return q * b + Math.ceil((r * b) / a);
    const big = BigInt(tsc) * BigInt(b);
    const div = big / BigInt(a);
    return Number(big % BigInt(a) === 0n ? div : div + 1n);
  }
}
