/**
 * Quantities with their units written out, as scenario files give them: durations
 * ("10ms", "1.5s"), sizes ("512MiB"), bit rates ("10Gbit/s"), and event rates
 * ("900/s"). Each parser returns the value in the project's base unit (ns, bytes,
 * bit/s, events per second) or null, and each kind has an example used in error
 * messages.
 */

const NUMBER = String.raw`(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?`;

export interface UnitKind {
  /** Name used in messages: "a duration". */
  readonly what: string;
  /** An example shown in messages and in the JSON Schema description. */
  readonly example: string;
  /** A JSON-Schema-compatible pattern for the text form. */
  readonly pattern: RegExp;
  parse(text: string): number | null;
}

function kind(what: string, example: string, units: Record<string, number>, integer: boolean): UnitKind {
  // Longest unit names first so "ms" wins over "s" and "Mbit/s" over "bit/s".
  const names = Object.keys(units).sort((a, b) => b.length - a.length);
  const alternatives = names.map((n) => n.replace(/[/.]/g, (c) => `\\${c}`)).join("|");
  const pattern = new RegExp(`^\\s*${NUMBER}\\s*(${alternatives})\\s*$`);
  return {
    what,
    example,
    pattern,
    parse(text: string): number | null {
      const m = pattern.exec(text);
      if (!m) return null;
      const value = Number(m[1]) * 10 ** Number(m[2] ?? 0) * units[m[3]];
      if (!Number.isFinite(value)) return null;
      return integer ? Math.round(value) : value;
    },
  };
}

/** Durations in integer nanoseconds. */
export const DURATION = kind(
  "a duration",
  "10ms",
  { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, min: 60e9, h: 3600e9 },
  true,
);

/** Sizes in bytes (binary and decimal prefixes). */
export const SIZE = kind(
  "a size",
  "512MiB",
  {
    B: 1,
    KiB: 2 ** 10,
    MiB: 2 ** 20,
    GiB: 2 ** 30,
    TiB: 2 ** 40,
    kB: 1e3,
    KB: 1e3,
    MB: 1e6,
    GB: 1e9,
    TB: 1e12,
  },
  true,
);

/** Bit rates in bit/s. */
export const BITRATE = kind(
  "a bit rate",
  "10Gbit/s",
  {
    "bit/s": 1,
    "kbit/s": 1e3,
    "Kbit/s": 1e3,
    "Mbit/s": 1e6,
    "Gbit/s": 1e9,
    "B/s": 8,
    "kB/s": 8e3,
    "KB/s": 8e3,
    "MB/s": 8e6,
    "GB/s": 8e9,
    "KiB/s": 8 * 2 ** 10,
    "MiB/s": 8 * 2 ** 20,
    "GiB/s": 8 * 2 ** 30,
  },
  false,
);

/** Event rates in events per second. */
export const RATE = kind(
  "a rate",
  "900/s",
  { "/ns": 1e9, "/us": 1e6, "/ms": 1e3, "/s": 1, "/min": 1 / 60, "/h": 1 / 3600 },
  false,
);

/** Frequencies in Hz (clock rates). */
export const FREQUENCY = kind("a frequency", "2.4GHz", { Hz: 1, kHz: 1e3, MHz: 1e6, GHz: 1e9 }, false);
