/**
 * The store's metadata: what images exist, what each one is made of and from, and which
 * clone method the store uses. It is plain JSON-safe data, validated with zod whenever it
 * is read back (a damaged file is reported, never half-trusted).
 *
 * Names: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100
 * characters; a snapshot is named "<disk>@<snap>" like ZFS.
 */
import * as z from "zod";

export const STORE_FORMAT = "xenlab-image-store";
export const STORE_VERSION = 1;

/** How the store makes clones and snapshots: chosen when the store is created. */
export const CLONE_METHODS = ["reflink", "qcow2"] as const;
export type CloneMethod = (typeof CLONE_METHODS)[number];

export const IMAGE_KINDS = {
  /** An imported golden image; read-only, the source of clones. */
  template: "template",
  /** A VM's writable disk. */
  disk: "disk",
  /** A read-only point-in-time image of a disk. */
  snapshot: "snapshot",
} as const;
export type ImageKind = keyof typeof IMAGE_KINDS;

export const IMAGE_FORMATS = ["raw", "qcow2"] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** How an image's current file was made. */
export const MADE_BY = ["import", "reflink", "qcow2-overlay", "copy", "merge"] as const;
export type MadeBy = (typeof MADE_BY)[number];

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(@[A-Za-z0-9][A-Za-z0-9._-]{0,99})?$/);

export const ImageRecordSchema = z.strictObject({
  name,
  kind: z.enum(["template", "disk", "snapshot"]),
  format: z.enum(IMAGE_FORMATS),
  /** File name inside the store's images/ folder. */
  file: z.string().regex(/^[0-9a-f]{16}\.(raw|qcow2)$/),
  virtualSize: z.number().int().positive(),
  /** The image this one was cloned or snapshotted from (lineage; may since be deleted). */
  parent: z.string().nullable(),
  /** The image whose file is this qcow2's backing file: a physical dependency. */
  backing: z.string().nullable(),
  /** For a snapshot, the disk it belongs to. */
  snapshotOf: z.string().nullable(),
  madeBy: z.enum(MADE_BY),
  created: z.string(),
  owner: z.string(),
});
export type ImageRecord = z.infer<typeof ImageRecordSchema>;

export const StoreStateSchema = z.strictObject({
  format: z.literal(STORE_FORMAT),
  version: z.literal(STORE_VERSION),
  method: z.enum(CLONE_METHODS),
  /** Sequence number of the last transaction included. */
  seq: z.number().int().nonnegative(),
  created: z.string(),
  images: z.record(z.string(), ImageRecordSchema),
});
export type StoreState = z.infer<typeof StoreStateSchema>;

/** One committed transaction in the log: images put (created or replaced) and deleted. */
export const LogRecordSchema = z.strictObject({
  seq: z.number().int().positive(),
  op: z.string(),
  time: z.string(),
  put: z.array(ImageRecordSchema),
  del: z.array(z.string()),
  sum: z.string(),
});
export type LogRecord = z.infer<typeof LogRecordSchema>;

export const NAME_RULE =
  "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters";

export function isValidName(n: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(n);
}

export function emptyState(method: CloneMethod, created: string): StoreState {
  return { format: STORE_FORMAT, version: STORE_VERSION, method, seq: 0, created, images: {} };
}

/** Applies a committed record to the state (in place). */
export function applyRecord(state: StoreState, rec: Pick<LogRecord, "seq" | "put" | "del">): void {
  for (const n of rec.del) delete state.images[n];
  for (const img of rec.put) state.images[img.name] = img;
  state.seq = rec.seq;
}

/** Images whose qcow2 backing file is `name`'s file, or that are snapshots of it. */
export function directDependents(state: StoreState, n: string): ImageRecord[] {
  return Object.values(state.images)
    .filter((i) => i.backing === n || i.snapshotOf === n)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `name` and everything that depends on it, transitively, dependents first. */
export function dependencyClosure(state: StoreState, n: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (x: string): void => {
    if (seen.has(x)) return;
    seen.add(x);
    for (const d of directDependents(state, x)) visit(d.name);
    out.push(x);
  };
  visit(n);
  return out;
}
