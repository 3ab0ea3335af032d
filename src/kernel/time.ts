/**
 * Simulated time: an integer number of nanoseconds held in a JS number.
 *
 * A double holds every integer up to 2^53 exactly, so nanosecond time is exact for
 * 2^53 ns = 104 days of simulated time, which is longer than any scenario we run.
 * The brand makes it a type error to pass a count, a byte size or a millisecond value
 * where simulated time is expected; it costs nothing at run time.
 */
export type Ns = number & { readonly __ns: true };

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

/** The largest simulated time that stays exact (2^53 - 1 ns, about 104 days). */
export const MAX_NS = Number.MAX_SAFE_INTEGER as Ns;

/** Brands an integer nanosecond count; throws if it is not a safe non-negative integer. */
export function ns(n: number): Ns {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a valid time in ns: ${n}`);
  return n as Ns;
}

export function seconds(s: number): Ns {
  return ns(Math.round(s * NS_PER_S));
}

export function millis(ms: number): Ns {
  return ns(Math.round(ms * NS_PER_MS));
}

export function micros(us: number): Ns {
  return ns(Math.round(us * NS_PER_US));
}

export function toSeconds(t: number): number {
  return t / NS_PER_S;
}

/** Formats a time the way a person writes it: "0", "250ns", "12.5us", "10ms", "1.5s". */
export function formatNs(t: number): string {
  if (t === 0) return "0";
  const abs = Math.abs(t);
  if (abs >= NS_PER_S) return `${trim(t / NS_PER_S)}s`;
  if (abs >= NS_PER_MS) return `${trim(t / NS_PER_MS)}ms`;
  if (abs >= NS_PER_US) return `${trim(t / NS_PER_US)}us`;
  return `${t}ns`;
}

function trim(x: number): string {
  return Number(x.toPrecision(6)).toString();
}
