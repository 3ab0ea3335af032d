/**
 * The image store: a folder of VM disk images (templates, per-VM disks, snapshots) with
 * transactional metadata, cloning by reflink where the file system can and by qcow2
 * overlay where it cannot. Source of the idea: Tao Ma and Joel Becker, "Reflink Update"
 * (Xen Summit Asia 2009; OCFS2 reflink, Linux 2.6.32): a snapshot of a VM image is a
 * reflink at time t, and quick deployment reflinks a golden image N times.
 *
 * Layout of a store folder:
 *   store.json   checkpoint of the metadata      store.log   committed transactions since
 *   images/      one file per image, <16 hex>.raw|.qcow2 (names are ids, not image names)
 *   staging/     files of operations in flight   store.lock  the writer's lock
 *
 * The clone method is chosen once, when the store is created, by trying a reflink in the
 * store's own folder ("auto"), and recorded; it never changes silently. A full copy
 * happens only when asked for (`copy: true`). Operations and their crash safety: see
 * store-txn.ts; each operation here stages files, then commits one record.
 */
import { mkdirSync, statfsSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { faultPoint } from "./fault-points.js";
import { ImageStoreError } from "./image-errors.js";
import { probeReflink, type ReflinkProbe } from "./reflink.js";
import { acquireLock } from "./store-lock.js";
import { createStateFile, isStore, type LoadedState, loadState } from "./store-log.js";
import {
  type CloneMethod,
  emptyState,
  type ImageRecord,
  isValidName,
  NAME_RULE,
  type StoreState,
} from "./store-state.js";
import { IMAGES_DIR, imageFilePath, LOCK_FILE, reconcile, STAGING_DIR, Txn } from "./store-txn.js";

export type MethodChoice = CloneMethod | "auto";

/** Free space kept in reserve by every space check, for metadata and file-system overhead. */
export const SPACE_MARGIN = 16 * 2 ** 20;

export interface StoreOptions {
  /** fsync files, folders and the log (default true). Off only for throw-away stores. */
  sync?: boolean;
  /** Recorded as the owner of new images (default: the user running the command). */
  owner?: string;
}

/** What every operation needs from the store, passed to the operation functions. */
export interface StoreContext {
  root: string;
  method: CloneMethod;
  sync: boolean;
  owner: string;
  state: StoreState;
  path(img: ImageRecord): string;
  now(): string;
}

export class ImageStore {
  private constructor(
    readonly root: string,
    private loaded: LoadedState,
    private readonly opts: StoreOptions,
  ) {}

  /**
   * Creates a store at `root` (the folder may exist, but must not be a store yet). With
   * "auto" the method is reflink if a reflink works there, else qcow2; asking for
   * "reflink" where it does not work is refused.
   */
  static create(
    root: string,
    method: MethodChoice,
    opts: StoreOptions = {},
  ): { store: ImageStore; probe: ReflinkProbe } {
    if (isStore(root)) throw new ImageStoreError("exists", `${root} is already an image store`);
    mkdirSync(join(root, IMAGES_DIR), { recursive: true });
    mkdirSync(join(root, STAGING_DIR), { recursive: true });
    const probe = probeReflink(join(root, IMAGES_DIR));
    if (method === "reflink" && !probe.supported) {
      throw new ImageStoreError(
        "unsupported",
        `${root}: this file system cannot reflink (${probe.reason}); use --method qcow2 or a file system with reflink (XFS with reflink=1, btrfs)`,
      );
    }
    const chosen: CloneMethod = method === "auto" ? (probe.supported ? "reflink" : "qcow2") : method;
    createStateFile(root, emptyState(chosen, new Date().toISOString()));
    return { store: ImageStore.open(root, opts), probe };
  }

  /** Opens an existing store (reads its committed state; takes no lock). */
  static open(root: string, opts: StoreOptions = {}): ImageStore {
    return new ImageStore(root, loadState(root), opts);
  }

  static isStore(root: string): boolean {
    return isStore(root);
  }

  get state(): StoreState {
    return this.loaded.state;
  }

  get method(): CloneMethod {
    return this.loaded.state.method;
  }

  get sync(): boolean {
    return this.opts.sync !== false;
  }

  /** Images sorted by name. */
  list(): ImageRecord[] {
    return Object.values(this.state.images).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): ImageRecord | undefined {
    return this.state.images[name];
  }

  /** Absolute path of an image's file. */
  path(img: ImageRecord): string {
    return imageFilePath(this.root, img.file);
  }

  /** Re-reads the committed state (after another process changed the store). */
  refresh(): void {
    this.loaded = loadState(this.root);
  }

  /**
   * Runs one mutating operation: lock, reload, recover leftovers, run `body` (which
   * stages files and lists records), commit. Throwing before the commit changes nothing.
   */
  mutate<T>(op: string, body: (tx: Txn, ctx: StoreContext) => T): T {
    const release = acquireLock(join(this.root, LOCK_FILE));
    try {
      this.loaded = loadState(this.root);
      reconcile(this.root, this.loaded.state, true, this.sync);
      faultPoint(`${op}:locked`);
      const tx = new Txn(this.root, op, this.sync);
      const ctx: StoreContext = {
        root: this.root,
        method: this.method,
        sync: this.sync,
        owner: this.opts.owner ?? defaultOwner(),
        state: this.loaded.state,
        path: (img) => this.path(img),
        now: () => new Date().toISOString(),
      };
      let result: T;
      try {
        result = body(tx, ctx);
      } catch (e) {
        tx.abort();
        throw e;
      }
      if (!tx.empty) tx.commit(this.loaded);
      return result;
    } finally {
      release();
    }
  }
}

function defaultOwner(): string {
  try {
    return process.env.USER ?? userInfo().username;
  } catch {
    return "unknown";
  }
}

/** Throws unless `name` is a valid, unused image name. */
export function checkNewName(state: StoreState, name: string): void {
  const parts = name.split("@");
  if (parts.length > 2 || !parts.every(isValidName)) {
    throw new ImageStoreError("bad-name", `"${name}" is not a valid image name (${NAME_RULE})`);
  }
  if (state.images[name]) throw new ImageStoreError("exists", `an image named ${name} already exists`);
}

export function requireImage(state: StoreState, name: string): ImageRecord {
  const img = state.images[name];
  if (!img) {
    const names = Object.keys(state.images).sort();
    const hint =
      names.length > 0
        ? ` (the store has: ${names.slice(0, 8).join(", ")}${names.length > 8 ? ", ..." : ""})`
        : "";
    throw new ImageStoreError("not-found", `no image named ${name}${hint}`);
  }
  return img;
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

/** Throws no-space unless the store's file system has `bytes` (plus a margin) free. */
export function ensureSpace(root: string, bytes: number, what: string): void {
  const s = statfsSync(root);
  const free = s.bavail * s.bsize;
  if (bytes + SPACE_MARGIN > free) {
    throw new ImageStoreError(
      "no-space",
      `not enough space in ${root}: ${what} needs ${formatBytes(bytes)} (plus ${formatBytes(SPACE_MARGIN)} reserve), ${formatBytes(free)} free`,
    );
  }
}

/** The image and its backing images, top first (for reading through a qcow2 chain). */
export function chainOf(ctx: StoreContext, img: ImageRecord): ImageRecord[] {
  const out: ImageRecord[] = [img];
  let cur = img;
  while (cur.backing !== null) {
    const next = ctx.state.images[cur.backing];
    if (!next || out.includes(next))
      throw new ImageStoreError("corrupt", `${img.name}: broken backing chain at ${cur.name}`);
    out.push(next);
    cur = next;
  }
  return out;
}
