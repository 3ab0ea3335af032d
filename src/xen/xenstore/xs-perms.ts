/**
 * Node permissions: parsing, formatting and the access decision.
 *
 * Source: Xen `tools/include/xen-tools/xenstore-common.h` (xenstore_strings_to_perms,
 * xenstore_perm_to_string), `tools/xenstore/xenstored_core.c` (perm_for_conn) and
 * `xenstored_domain.c` (domain_alloc_permrefs, XS_PERM_IGNORE), Xen 4.17.
 *
 * A permission list is non-empty. Entry 0 names the owner; its letter is the access of
 * every domain not listed. Entries 1.. grant a listed domain its letter: n none, r read,
 * w write, b both. The owner, the privileged domain (dom0) and a domain whose target
 * (SET_TARGET) owns the node always get read, write and owner rights. An entry naming a
 * domain that does not exist is kept but flagged IGNORE (so a later domain reusing the
 * id does not inherit it) and skipped by the access decision.
 */

/** Permission bits, as XS_PERM_* in xenstore_lib.h. */
export const PERM_NONE = 0x00;
export const PERM_READ = 0x01;
export const PERM_WRITE = 0x02;
/** Internal: the connection owns the node (required for SET_PERMS). */
export const PERM_OWNER = 0x08;
/** Internal: the entry names a domain that did not exist; skipped (XS_PERM_IGNORE). */
export const PERM_IGNORE = 0x10;

/** One entry: a domain id (u32) and its bits (PERM_READ | PERM_WRITE, maybe PERM_IGNORE). */
export interface XsPerm {
  readonly id: number;
  readonly bits: number;
}

const LETTER_BITS: Readonly<Record<string, number>> = { n: PERM_NONE, r: PERM_READ, w: PERM_WRITE, b: 3 };

/**
 * Parses one "r5"-style entry like xenstore_strings_to_perms(): a letter, then a number
 * in strtol(…, 0) syntax (decimal, 0x hex or 0 octal, optional sign and leading
 * spaces) that must use the whole rest of the string. Undefined when malformed (EINVAL).
 */
export function parsePerm(s: string): XsPerm | undefined {
  const bits = LETTER_BITS[s.charAt(0)];
  if (bits === undefined) return undefined;
  const num = s.slice(1);
  if (num.length === 0) return undefined;
  const id = strtolWhole(num);
  if (id === undefined) return undefined;
  return { id: id >>> 0, bits };
}

/** strtol(s, &end, 0) requiring *end == 0; undefined otherwise. Wraps like the C cast to unsigned. */
function strtolWhole(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const digits = m[2];
  let v: number;
  if (/^0[xX]/.test(digits)) v = Number.parseInt(digits.slice(2), 16);
  else if (digits.length > 1 && digits.startsWith("0")) v = Number.parseInt(digits, 8);
  else v = Number.parseInt(digits, 10);
  // strtol saturates at LONG_MAX/LONG_MIN (64-bit); the id is then truncated to u32.
  if (v > 2 ** 63 - 1) v = 2 ** 63 - 1;
  const signed = m[1] === "-" ? -v : v;
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(signed))));
}

/** "r5" for an entry, as xenstore_perm_to_string() ("%i" of the id, so ids >= 2^31 print negative). */
export function formatPerm(p: XsPerm): string {
  const letter = "nrwb".charAt(p.bits & 3);
  return `${letter}${p.id | 0}`;
}

/** All entries as the GET_PERMS reply strings. */
export function formatPerms(perms: readonly XsPerm[]): string[] {
  return perms.map(formatPerm);
}

/** What a connection may do on a node with these permissions (perm_for_conn). */
export function permForConn(
  perms: readonly XsPerm[],
  domid: number,
  privileged: boolean,
  target: number | undefined,
): number {
  const all = PERM_READ | PERM_WRITE | PERM_OWNER;
  if (privileged) return all;
  const owner = perms[0].id;
  if (owner === domid || (target !== undefined && owner === target)) return all;
  for (let i = 1; i < perms.length; i++) {
    const p = perms[i];
    if (p.bits & PERM_IGNORE) continue;
    if (p.id === domid || (target !== undefined && p.id === target)) return p.bits & all;
  }
  return perms[0].bits & all;
}

/** Equality of two permission lists (bits and ids, in order). */
export function samePerms(a: readonly XsPerm[], b: readonly XsPerm[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].id !== b[i].id || a[i].bits !== b[i].bits) return false;
  return true;
}
