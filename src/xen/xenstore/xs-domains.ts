/**
 * What xenstored knows about domains.
 *
 * Source: Xen `tools/xenstored/domain.c` (struct domain: introduced, shutdown, target,
 * features; find_or_alloc_existing_domain asks the hypervisor whether a domain exists).
 *
 * xenstored separates "exists" (the hypervisor knows the domain: permissions may name
 * it) from "introduced" (INTRODUCE gave xenstored its ring: it has a connection and
 * IS_DOMAIN_INTRODUCED answers T). Here the hypervisor is the embedding: the twin calls
 * `create`/`destroy` as domains come and go; the standalone daemon pretends the domains
 * given with --domain exist. Domain 0 always exists.
 */

export interface XsDomainInfo {
  readonly domid: number;
  introduced: boolean;
  /** Shutdown noticed and @releaseDomain fired for it (cleared by RESUME). */
  shutdown: boolean;
  /** SET_TARGET: this domain acts with the rights of `target` (a device model stub domain). */
  target: number | undefined;
  /** Features set with SET_FEATURE before INTRODUCE (bits of server_features). */
  features: number;
  /** Per-domain quota overrides from SET_QUOTA, by wire name. */
  quotas: Map<string, number>;
}

export class XsDomainTable {
  private readonly domains = new Map<number, XsDomainInfo>();

  constructor(defaultFeatures: number) {
    this.defaultFeatures = defaultFeatures;
    this.create(0);
  }

  private readonly defaultFeatures: number;

  exists(domid: number): boolean {
    return this.domains.has(domid);
  }

  get(domid: number): XsDomainInfo | undefined {
    return this.domains.get(domid);
  }

  /** The hypervisor created the domain. Idempotent. */
  create(domid: number): XsDomainInfo {
    let d = this.domains.get(domid);
    if (!d) {
      d = {
        domid,
        introduced: false,
        shutdown: false,
        target: undefined,
        features: this.defaultFeatures,
        quotas: new Map(),
      };
      this.domains.set(domid, d);
    }
    return d;
  }

  /** The hypervisor destroyed the domain. */
  destroy(domid: number): void {
    if (domid !== 0) this.domains.delete(domid);
  }

  isIntroduced(domid: number): boolean {
    return this.domains.get(domid)?.introduced === true;
  }

  /** Domain ids in ascending order (deterministic iteration). */
  ids(): number[] {
    return [...this.domains.keys()].sort((a, b) => a - b);
  }
}
