/**
 * Node names: validation and canonical form, as xenstored checks them.
 *
 * Source: Xen 4.17 `tools/xenstore/xenstored_core.c` (valid_chars, is_valid_nodename,
 * canonicalize) and `docs/misc/xenstore.txt` ("Paths are /-separated ..."):
 * - characters [A-Za-z0-9-/_@] only;
 * - absolute paths start with '/', relative ones are taken below the connection's home
 *   /local/domain/<domid> (sockets count as dom0, as in xenstored's get_implicit_path);
 * - no "//", no trailing '/' except the root itself, not empty;
 * - at most `pathMax` (quota "path-max", default XENSTORE_REL_PATH_MAX = 2048) bytes
 *   after a leading "/local/domain/<domid>/" (domid scanned as sscanf "%5u");
 * - names starting with '@' are the special watch names (@introduceDomain,
 *   @releaseDomain), allowed only where the operation allows them (watches, perms).
 */
import { XENSTORE_REL_PATH_MAX } from "./xs-wire.js";

const VALID = /^[A-Za-z0-9\-/_@]*$/;

/** `/local/domain/<domid>` for a domain. */
export function domainPath(domid: number): string {
  return `/local/domain/${domid >>> 0}`;
}

/** True when every character is allowed (valid_chars). */
export function validChars(name: string): boolean {
  return VALID.test(name);
}

/**
 * The length of a leading "/local/domain/<domid>/" that does not count against
 * path-max, as `sscanf(node, "/local/domain/%5u/%n", ...)` finds it (0 when absent).
 */
export function localPrefixLength(name: string): number {
  if (!name.startsWith("/local/domain/")) return 0;
  const m = /^\/local\/domain\/([+-]?\d+)\//.exec(name);
  if (!m) return 0;
  // %5u consumes at most five characters, sign included; a longer number stops the scan
  // before the '/', so %n is never reached and the offset stays 0.
  if (m[1].length > 5) return 0;
  return m[0].length;
}

/** is_valid_nodename() for an absolute name. */
export function isValidNodeName(name: string, pathMax: number = XENSTORE_REL_PATH_MAX): boolean {
  if (!name.startsWith("/")) return false;
  if (name.endsWith("/") && name !== "/") return false;
  if (name.includes("//")) return false;
  if (name.length > localPrefixLength(name) + pathMax) return false;
  return validChars(name);
}

/**
 * Canonical absolute name for a client-supplied path, or undefined when invalid (the
 * caller answers EINVAL). `home` is the connection's implicit path.
 */
export function canonicalize(
  path: string | undefined,
  home: string,
  allowSpecial: boolean,
  pathMax: number = XENSTORE_REL_PATH_MAX,
): string | undefined {
  if (path === undefined || path.length === 0) return undefined;
  if (path.startsWith("@")) {
    if (!allowSpecial || !validChars(path) || path.length > XENSTORE_REL_PATH_MAX) return undefined;
    return path;
  }
  const name = path.startsWith("/") ? path : `${home}/${path}`;
  return isValidNodeName(name, pathMax) ? name : undefined;
}

/** Parent of an absolute name ("/" for top-level names). */
export function parentOf(name: string): string {
  const slash = name.lastIndexOf("/");
  return slash <= 0 ? "/" : name.slice(0, slash);
}

/** Last component of an absolute name other than "/". */
export function baseName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** Child's absolute name. */
export function childName(parent: string, child: string): string {
  return parent === "/" ? `/${child}` : `${parent}/${child}`;
}

/** is_child(): `child` equals `parent` or lies below it; everything is below "/". */
export function isChild(child: string, parent: string): boolean {
  if (parent === "/") return true;
  if (!child.startsWith(parent)) return false;
  return child.length === parent.length || child.charCodeAt(parent.length) === 47; /* '/' */
}

/** How many levels `child` lies below `parent` (0 for itself), for the watch depth option. */
export function depthBelow(child: string, parent: string): number {
  if (child === parent) return 0;
  const rest = parent === "/" ? child.slice(1) : child.slice(parent.length + 1);
  let n = 1;
  for (let i = 0; i < rest.length; i++) if (rest.charCodeAt(i) === 47) n++;
  return n;
}
