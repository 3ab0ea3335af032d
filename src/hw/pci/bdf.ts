/**
 * Routing ids of PCI functions (bus, device, function), as the PCI Express Base spec
 * §2.2.6.2 and Linux's `PCI_DEVFN`/`PCI_SLOT`/`PCI_FUNC` (include/uapi/linux/pci.h)
 * define them: a 16-bit requester id `bus << 8 | dev << 3 | fn`. With ARI (PCIe §6.13)
 * the low 8 bits are one function number 0..255 and the device number is implicitly 0;
 * the same 16 bits serve both readings. Segment 0 only (one ECAM window, one MCFG entry).
 */

/** A 16-bit routing id (requester id): bus in bits 15..8, devfn in bits 7..0. */
export type Bdf = number & { readonly __bdf: true };

export const MAX_BUS = 255;
export const MAX_DEV = 31;
export const MAX_FN = 7;

export function bdf(bus: number, dev: number, fn: number): Bdf {
  if (!(bus >= 0 && bus <= MAX_BUS && dev >= 0 && dev <= MAX_DEV && fn >= 0 && fn <= MAX_FN))
    throw new RangeError(`bad bus/device/function ${bus}/${dev}/${fn}`);
  return ((bus << 8) | (dev << 3) | fn) as Bdf;
}

/** A routing id from bus and an 8-bit devfn (or, under ARI, an 8-bit function number). */
export function bdfFromDevfn(bus: number, devfn: number): Bdf {
  if (!(bus >= 0 && bus <= MAX_BUS && devfn >= 0 && devfn <= 255))
    throw new RangeError(`bad bus/devfn ${bus}/${devfn}`);
  return ((bus << 8) | devfn) as Bdf;
}

export function asBdf(rid: number): Bdf {
  if (!Number.isInteger(rid) || rid < 0 || rid > 0xffff) throw new RangeError(`bad routing id ${rid}`);
  return rid as Bdf;
}

export const busOf = (b: Bdf): number => b >> 8;
export const devfnOf = (b: Bdf): number => b & 0xff;
export const devOf = (b: Bdf): number => (b >> 3) & 0x1f;
export const fnOf = (b: Bdf): number => b & 7;

const hex2 = (n: number): string => n.toString(16).padStart(2, "0");

/** "01:00.0", the form lspci prints for segment 0. */
export function formatBdf(b: Bdf): string {
  return `${hex2(busOf(b))}:${hex2(devOf(b))}.${fnOf(b)}`;
}

/** Parses "BB:DD.F" or "SSSS:BB:DD.F" (segment must be 0); null when malformed. */
export function parseBdf(s: string): Bdf | null {
  const m = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(s.trim());
  if (m === null) return null;
  if (m[1] !== undefined && Number.parseInt(m[1], 16) !== 0) return null;
  const dev = Number.parseInt(m[3], 16);
  if (dev > MAX_DEV) return null;
  return bdf(Number.parseInt(m[2], 16), dev, Number(m[4]));
}
