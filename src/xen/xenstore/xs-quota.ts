/**
 * Per-domain quotas: the parameter table and their defaults.
 *
 * Source: Xen 4.17 `tools/xenstore/xenstored_core.c` (quota_nb_entry_per_domain = 1000,
 * quota_nb_watch_per_domain = 128, quota_max_entry_size = 2048, quota_max_transaction =
 * 10, quota_nb_perms_per_node = 5, quota_trans_nodes = 1024, quota_max_path_len =
 * XENSTORE_REL_PATH_MAX) and the `xenstored --help` option names. Quotas bind
 * unprivileged domains only; dom0 and sockets are exempt, as in xenstored.
 *
 * The comparisons mirror xenstored exactly, including its off-by-one choices:
 * - nodes: creating a node fails with ENOSPC when the domain already owns >= quota
 *   nodes; a transaction that created nodes fails at commit when the total would be
 *   >= quota (acc_fix_domains);
 * - watches: WATCH fails with E2BIG when the connection already has > quota watches
 *   (so quota + 1 fit);
 * - transactions: TRANSACTION_START fails with ENOSPC when > quota are open (quota + 1 fit);
 * - node-size: a write fails with ENOSPC when the stored record (24-byte header + 8 bytes
 *   per permission + value + children names with their NULs) is >= the quota (4.17's
 *   write_node_raw compares `data.dsize >= quota_max_entry_size`);
 * - permissions: SET_PERMS with more than quota entries fails with ENOSPC;
 * - transaction-nodes: touching more than quota nodes in one transaction fails with ENOSPC;
 * - path-max: longer names (below /local/domain/<id>/) are EINVAL, for every connection.
 * Not modelled: the memory (2.5 MB) and outstanding-request (20) quotas, which throttle
 * rather than fail, and write rate limiting.
 */

export interface XsQuotas {
  /** Nodes a domain may own ("nodes", -E/--entry-nb). */
  nodes: number;
  /** Watches per domain ("watches", -W/--watch-nb). */
  watches: number;
  /** Open transactions per domain ("transactions", -t/--transaction). */
  transactions: number;
  /** Largest stored node in bytes ("node-size", -S/--entry-size). */
  nodeSize: number;
  /** Most permission entries per node ("permissions", -A/--perm-nb). */
  permissions: number;
  /** Nodes one transaction may touch ("transaction-nodes", -Q transaction-nodes=N). */
  transactionNodes: number;
  /** Longest name below /local/domain/<id>/ ("path-max", -M/--path-max). */
  pathMax: number;
}

export interface QuotaParam {
  key: keyof XsQuotas;
  /** Name on the wire (GET_QUOTA/SET_QUOTA) and in `--quota name=N`. */
  name: string;
  unit: string;
  default: number;
  /** xenstored's own option for it. */
  xenOption: string;
  help: string;
}

/** The tunables, declared once (STYLE 17): CLI help and README are generated from this table. */
export const QUOTA_PARAMS: readonly QuotaParam[] = [
  {
    key: "nodes",
    name: "nodes",
    unit: "nodes",
    default: 1000,
    xenOption: "-E, --entry-nb",
    help: "nodes a domain may own",
  },
  {
    key: "watches",
    name: "watches",
    unit: "watches",
    default: 128,
    xenOption: "-W, --watch-nb",
    help: "watches per domain",
  },
  {
    key: "transactions",
    name: "transactions",
    unit: "transactions",
    default: 10,
    xenOption: "-t, --transaction",
    help: "open transactions per domain",
  },
  {
    key: "nodeSize",
    name: "node-size",
    unit: "bytes",
    default: 2048,
    xenOption: "-S, --entry-size",
    help: "largest stored node (header, permissions, value, children names)",
  },
  {
    key: "permissions",
    name: "permissions",
    unit: "entries",
    default: 5,
    xenOption: "-A, --perm-nb",
    help: "permission entries per node",
  },
  {
    key: "transactionNodes",
    name: "transaction-nodes",
    unit: "nodes",
    default: 1024,
    xenOption: "-Q transaction-nodes=N",
    help: "nodes one transaction may touch",
  },
  {
    key: "pathMax",
    name: "path-max",
    unit: "bytes",
    default: 2048,
    xenOption: "-M, --path-max",
    help: "longest name below /local/domain/<id>/",
  },
];

export function defaultQuotas(): XsQuotas {
  const q = {} as XsQuotas;
  for (const p of QUOTA_PARAMS) q[p.key] = p.default;
  return q;
}

export function quotaParamByName(name: string): QuotaParam | undefined {
  return QUOTA_PARAMS.find((p) => p.name === name);
}

/**
 * Bytes a node occupies for the node-size quota: sizeof(struct xs_tdb_record_hdr) (u64
 * generation + 3 u32, padded to 24) + 8 per permission + value + children with NULs.
 */
export const NODE_HEADER_BYTES = 24;
export const PERM_RECORD_BYTES = 8;
export function nodeRecordSize(valueLen: number, nPerms: number, childrenBytes: number): number {
  return NODE_HEADER_BYTES + PERM_RECORD_BYTES * nPerms + valueLen + childrenBytes;
}

/** The README's parameter table, generated from QUOTA_PARAMS (a test keeps the README equal). */
export function quotaMarkdownTable(): string {
  const rows = [
    ["name", "default", "unit", "meaning", "xenstored option"],
    ...QUOTA_PARAMS.map((p) => [`\`${p.name}\``, String(p.default), p.unit, p.help, `\`${p.xenOption}\``]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(rows[0]),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...rows.slice(1).map(line),
  ].join("\n");
}
