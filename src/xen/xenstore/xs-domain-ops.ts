/**
 * Domain management requests and domain lifecycle: INTRODUCE, RELEASE, RESUME,
 * IS_DOMAIN_INTRODUCED, SET_TARGET, GET/SET_FEATURE, GET/SET_QUOTA, CONTROL, and what
 * happens when the hypervisor shuts down or destroys a domain.
 *
 * Source: Xen `tools/xenstored/domain.c` (do_introduce, introduce_domain,
 * domain_conn_reset, do_release, destroy_domain, domain_tree_remove, check_domain,
 * do_resume, do_is_domain_introduced, do_set_target, do_get/set_feature,
 * do_get/set_quota), `tools/xenstored/control.c` (do_control), `docs/misc/xenstore.txt`.
 *
 * - INTRODUCE gives xenstored a domain's ring (here: the domain may now have
 *   connections); the first time, @introduceDomain fires. Introducing a domain the
 *   table does not know creates it (the toolstack only introduces real domains).
 * - RELEASE, and the death of an introduced domain, drop the domain's connections,
 *   remove every subtree the domain owns (its nodes go with it) and fire @releaseDomain.
 *   A shutdown (not yet dead) domain fires @releaseDomain once, until RESUME.
 * - Permission entries naming the dead domain stay but are flagged ignored, so a new
 *   domain reusing the id does not inherit them (domain_adjust_node_perms).
 */
import type { Xenstored } from "./xenstored.js";
import type { XsConnection } from "./xs-connection.js";
import { atoiU32, rmNode } from "./xs-ops.js";
import { childName } from "./xs-path.js";
import { PERM_IGNORE } from "./xs-perms.js";
import { QUOTA_PARAMS, quotaParamByName } from "./xs-quota.js";
import { fireSpecial } from "./xs-watch.js";
import { DOMID_SELF, type Errno } from "./xs-wire.js";

/** Supported server_features bits (see Xenstored FEATURE_*). */
const SUPPORTED_FEATURES = 4;

export function introduce(xs: Xenstored, args: readonly string[]): Errno | undefined {
  if (args.length < 3) return "EINVAL";
  const domid = atoiU32(args[0]);
  const port = atoiSigned(args[2]);
  if (port <= 0) return "EINVAL";
  const d = xs.domains.create(domid);
  const first = !d.introduced;
  d.introduced = true;
  // domain_conn_reset(): the ring starts clean.
  for (const c of xs.connections.values()) {
    if (c.domid === domid && !c.wire) {
      c.watches.length = 0;
      c.transactions.clear();
    }
  }
  if (first && domid !== 0) fireSpecial(xs, "@introduceDomain");
  return undefined;
}

function atoiSigned(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(BigInt.asIntN(32, BigInt(m[1]))) : 0;
}

/** onearg_domain(): the domain named by the request, introduced (ENOENT), not dom0 (EINVAL). */
function introducedDomain(xs: Xenstored, arg: string | undefined): number | Errno {
  if (arg === undefined) return "EINVAL";
  const domid = atoiU32(arg);
  if (domid === 0) return "EINVAL";
  if (!xs.domains.isIntroduced(domid)) return "ENOENT";
  return domid;
}

export function release(xs: Xenstored, arg: string | undefined): Errno | undefined {
  const domid = introducedDomain(xs, arg);
  if (typeof domid === "string") return domid;
  // Drop the ring's watches first, so removing the domain's nodes does not notify it.
  dropConnections(xs, domid);
  destroyDomainState(xs, domid, true);
  return undefined;
}

export function resume(xs: Xenstored, arg: string | undefined): Errno | undefined {
  const domid = introducedDomain(xs, arg);
  if (typeof domid === "string") return domid;
  xs.domains.get(domid)!.shutdown = false;
  return undefined;
}

export function isIntroduced(xs: Xenstored, arg: string | undefined): "T" | "F" | Errno {
  if (arg === undefined) return "EINVAL";
  const domid = atoiU32(arg);
  if (domid === DOMID_SELF) return "T";
  return xs.domains.isIntroduced(domid) ? "T" : "F";
}

export function setTarget(xs: Xenstored, args: readonly string[]): Errno | undefined {
  if (args.length < 2) return "EINVAL";
  const domid = atoiU32(args[0]);
  const tdomid = atoiU32(args[1]);
  if (!xs.domains.isIntroduced(domid) || !xs.domains.isIntroduced(tdomid)) return "ENOENT";
  xs.domains.get(domid)!.target = tdomid;
  return undefined;
}

/** GET_FEATURE [domid]: the server_features bits, decimal. Asking about another domain is privileged. */
export function getFeature(xs: Xenstored, c: XsConnection, args: readonly string[]): string | Errno {
  if (args.length === 0) return String(xs.domains.get(c.domid)?.features ?? SUPPORTED_FEATURES);
  if (!c.privileged) return "EACCES";
  const d = xs.domains.get(atoiU32(args[0]));
  return d ? String(d.features) : "ENOENT";
}

/** SET_FEATURE domid value: only before the domain is introduced, only supported bits. */
export function setFeature(xs: Xenstored, args: readonly string[]): Errno | undefined {
  if (args.length < 2) return "EINVAL";
  const d = xs.domains.get(atoiU32(args[0]));
  if (!d) return "ENOENT";
  const v = atoiU32(args[1]);
  if (v & ~SUPPORTED_FEATURES) return "EINVAL";
  if (d.introduced) return "EBUSY";
  d.features = v;
  return undefined;
}

/** GET_QUOTA [[domid] name]: the names, a global value, or a domain's value. */
export function getQuota(xs: Xenstored, args: readonly string[]): string | Errno {
  if (args.length === 0) return QUOTA_PARAMS.map((p) => p.name).join(" ");
  if (args.length === 1) {
    const p = quotaParamByName(args[0]);
    return p ? String(xs.quotas[p.key]) : "EINVAL";
  }
  const d = xs.domains.get(atoiU32(args[0]));
  if (!d) return "ENOENT";
  const p = quotaParamByName(args[1]);
  if (!p) return "EINVAL";
  return String(d.quotas.get(p.name) ?? xs.quotas[p.key]);
}

/** SET_QUOTA [domid] name value. */
export function setQuota(xs: Xenstored, args: readonly string[]): Errno | undefined {
  if (args.length < 2) return "EINVAL";
  const global = args.length === 2;
  const name = global ? args[0] : args[1];
  const valueStr = global ? args[1] : args[2];
  const p = quotaParamByName(name);
  if (!p || !/^\d+$/.test(valueStr)) return "EINVAL";
  const v = Number(valueStr);
  if (global) {
    xs.quotas[p.key] = v;
    return undefined;
  }
  const d = xs.domains.get(atoiU32(args[0]));
  if (!d) return "ENOENT";
  d.quotas.set(p.name, v);
  return undefined;
}

/** CONTROL: the commands this daemon implements. */
export function control(xs: Xenstored, args: readonly string[]): string | Errno {
  const cmd = args[0];
  switch (cmd) {
    case "help":
      return ["check", "help", "print <string>", "quota [<domid>]"].map((l) => `${l}\n`).join("");
    case "check":
      return checkStore(xs) === undefined ? "OK" : "EIO";
    case "print":
      return "OK";
    case "quota": {
      if (args.length < 2) return QUOTA_PARAMS.map((p) => `${p.name}: ${xs.quotas[p.key]}\n`).join("");
      const domid = atoiU32(args[1]);
      if (!xs.domains.exists(domid)) return "ENOENT";
      return `Domain ${domid}:\nnodes: ${xs.ownedBy(domid)}\n`;
    }
    default:
      return "EINVAL";
  }
}

/**
 * Consistency check (xenstored's check_store): every child listed exists, every node
 * but the root and the specials is listed by its parent, owner counts match.
 * Returns undefined when consistent, otherwise a description ("EIO" on the wire).
 */
export function checkStore(xs: Xenstored): string | undefined {
  const seen = new Set<string>();
  const counts = new Map<number, number>();
  const stack = ["/"];
  while (stack.length > 0) {
    const name = stack.pop()!;
    const n = xs.nodes.get(name);
    if (!n) return `${name} is listed by its parent but missing`;
    if (seen.has(name)) return `${name} is listed twice`;
    seen.add(name);
    counts.set(n.perms[0].id, (counts.get(n.perms[0].id) ?? 0) + 1);
    let bytes = 0;
    for (const child of n.children) {
      bytes += child.length + 1;
      stack.push(childName(name, child));
    }
    if (bytes !== n.childBytes) return `${name} has a wrong children length`;
  }
  for (const name of xs.nodes.keys()) {
    if (seen.has(name)) continue;
    if (name.startsWith("@")) {
      const n = xs.nodes.get(name)!;
      counts.set(n.perms[0].id, (counts.get(n.perms[0].id) ?? 0) + 1);
      continue;
    }
    return `${name} is not reachable from /`;
  }
  for (const [domid, cnt] of counts)
    if (xs.ownedBy(domid) !== cnt) return `domain ${domid} owner count is wrong`;
  return undefined;
}

// ---- Lifecycle driven by the hypervisor (the twin) ----

/** The domain shut down (not yet destroyed): @releaseDomain once, if introduced. */
export function domainShutdown(xs: Xenstored, domid: number): void {
  const d = xs.domains.get(domid);
  if (!d?.introduced || d.shutdown) return;
  d.shutdown = true;
  fireSpecial(xs, "@releaseDomain");
}

/** The domain is gone: connections dropped, owned nodes removed, @releaseDomain if it was introduced. */
export function domainDestroyed(xs: Xenstored, domid: number): void {
  const d = xs.domains.get(domid);
  if (!d || domid === 0) return;
  dropConnections(xs, domid);
  destroyDomainState(xs, domid, d.introduced);
  xs.domains.destroy(domid);
}

function dropConnections(xs: Xenstored, domid: number): void {
  for (const c of [...xs.connections.values()]) if (c.domid === domid) xs.disconnect(c);
}

/** destroy_domain(): remove owned subtrees, flag permission entries, maybe fire @releaseDomain. */
function destroyDomainState(xs: Xenstored, domid: number, wasIntroduced: boolean): void {
  const d = xs.domains.get(domid);
  if (d) {
    d.introduced = false;
    d.shutdown = false;
    d.target = undefined;
  }
  for (const name of ownedSubtrees(xs, domid)) rmNode(xs.system, undefined, name);
  ignorePermsOf(xs, domid);
  if (wasIntroduced) fireSpecial(xs, "@releaseDomain");
}

/** Roots of the subtrees owned by `domid`, in tree order (domain_tree_remove's walk). */
function ownedSubtrees(xs: Xenstored, domid: number): string[] {
  const out: string[] = [];
  const walk = (name: string): void => {
    const n = xs.nodes.get(name);
    if (!n) return;
    if (n.perms[0].id === domid && name !== "/") {
      out.push(name);
      return;
    }
    for (const child of n.children) walk(childName(name, child));
  };
  walk("/");
  return out;
}

/** Flags entries (after the owner) that name `domid`; generations are left alone. */
function ignorePermsOf(xs: Xenstored, domid: number): void {
  for (const [name, n] of xs.nodes) {
    let changed = false;
    const perms = n.perms.map((p, i) => {
      if (i === 0 || p.id !== domid || p.bits & PERM_IGNORE) return p;
      changed = true;
      return { id: p.id, bits: p.bits | PERM_IGNORE };
    });
    if (changed) xs.putGlobal(name, { ...n, perms });
  }
}
