/**
 * Transactions of the image store, and recovery.
 *
 * Protocol (every mutating operation, under the store lock):
 *   1. stage: new image files are written under staging/, then made durable together
 *      (one file: fsync it and staging/; several: one syncfs of the file system, which
 *      costs one flush instead of one per file, so a 50-disk clone is one flush);
 *   2. commit: one log record (images put and deleted) is appended and fdatasynced;
 *   3. finish: staged files are renamed into images/, qcow2 headers whose backing image
 *      got a new file are rewritten, files no longer referenced are unlinked.
 * A crash before 2 leaves only staged files nobody references; a crash after 2 leaves a
 * committed state whose finishing steps are not all done. Recovery (`reconcile`, run before
 * every operation and by `xenlab images check`) makes the folders match the committed
 * state: referenced staged files are moved in, unreferenced staged files and unreferenced
 * store files are removed, stale backing names are rewritten. The committed state is the
 * only truth, so recovery needs no record of what was in flight: an operation is either
 * done or not done.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, renameSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir, fsyncPath } from "./durable-file.js";
import { faultPoint } from "./fault-points.js";
import { openQcow2Info } from "./qcow2-reader.js";
import { rewriteBacking } from "./qcow2-rebase.js";
import { appendRecord, CHECKPOINT_EVERY, checkpoint, type LoadedState } from "./store-log.js";
import type { ImageFormat, ImageRecord, StoreState } from "./store-state.js";

export const IMAGES_DIR = "images";
export const STAGING_DIR = "staging";
export const LOCK_FILE = "store.lock";
const OUR_FILE = /^[0-9a-f]{16}\.(raw|qcow2)$/;

export function newFileName(format: ImageFormat): string {
  return `${randomBytes(8).toString("hex")}.${format}`;
}

/** Where an image's file is: images/, or staging/ if committed but not yet moved in. */
export function imageFilePath(root: string, file: string): string {
  const p = join(root, IMAGES_DIR, file);
  if (existsSync(p)) return p;
  const s = join(root, STAGING_DIR, file);
  return existsSync(s) ? s : p;
}

export class Txn {
  readonly staged: string[] = [];
  readonly drop: string[] = [];
  readonly put: ImageRecord[] = [];
  readonly del: string[] = [];

  constructor(
    readonly root: string,
    readonly op: string,
    readonly sync: boolean,
  ) {}

  /** Creates a new file in staging/ with `make(path)`; returns its file name. */
  stage(format: ImageFormat, make: (path: string) => void): string {
    const file = newFileName(format);
    this.staged.push(file);
    make(join(this.root, STAGING_DIR, file));
    faultPoint(`${this.op}:staged`);
    return file;
  }

  /** Path of a staged file (to read it back before commit). */
  stagedPath(file: string): string {
    return join(this.root, STAGING_DIR, file);
  }

  /** Removes the staged files of a transaction that will not commit. */
  abort(): void {
    for (const f of this.staged) rmSync(join(this.root, STAGING_DIR, f), { force: true });
  }

  /** fsync of the staged files and staging/ (one), or one syncfs (several). */
  private makeStagedDurable(): void {
    const dir = join(this.root, STAGING_DIR);
    if (this.staged.length > 1) {
      // coreutils `sync -f` is syncfs(2), which Node does not expose.
      const r = spawnSync("sync", ["-f", dir], { stdio: "ignore" });
      if (r.status === 0) return;
    }
    for (const f of this.staged) fsyncPath(join(dir, f));
    fsyncDir(dir);
  }

  get empty(): boolean {
    return this.put.length === 0 && this.del.length === 0;
  }

  commit(loaded: LoadedState): void {
    faultPoint(`${this.op}:before-commit`);
    if (this.sync && this.staged.length > 0) this.makeStagedDurable();
    const rec = {
      seq: loaded.state.seq + 1,
      op: this.op,
      time: new Date().toISOString(),
      put: this.put,
      del: this.del,
    };
    appendRecord(this.root, loaded, rec, this.sync);
    faultPoint(`${this.op}:committed`);
    for (const f of this.staged) renameSync(join(this.root, STAGING_DIR, f), join(this.root, IMAGES_DIR, f));
    faultPoint(`${this.op}:renamed`);
    const changed = new Set(this.put.map((p) => p.name));
    fixBackingNames(
      this.root,
      loaded.state,
      (img) => img.backing !== null && changed.has(img.backing),
      this.sync,
    );
    faultPoint(`${this.op}:rebased`);
    let first = true;
    for (const f of this.drop) {
      rmSync(join(this.root, IMAGES_DIR, f), { force: true });
      if (first) faultPoint(`${this.op}:unlinked`);
      first = false;
    }
    if (loaded.logRecords >= CHECKPOINT_EVERY) checkpoint(this.root, loaded);
    faultPoint(`${this.op}:done`);
  }
}

/** Rewrites the backing name of qcow2 images (selected by `which`) that no longer match. */
function fixBackingNames(
  root: string,
  state: StoreState,
  which: (img: ImageRecord) => boolean,
  sync: boolean,
  actions?: string[],
  apply = true,
): void {
  for (const img of Object.values(state.images)) {
    if (img.format !== "qcow2" || !which(img)) continue;
    const backing = img.backing === null ? undefined : state.images[img.backing];
    if (!backing) continue;
    const path = imageFilePath(root, img.file);
    if (!existsSync(path)) continue;
    const info = openQcow2Info(path);
    if (info.backingFile === backing.file && info.backingFormat === backing.format) continue;
    if (apply) rewriteBacking(path, backing.file, backing.format, sync);
    actions?.push(`rewrote the backing file name of ${img.name} to ${backing.file} (${backing.name})`);
  }
}

export interface ReconcileReport {
  /** What was (or, without repair, would be) done. */
  actions: string[];
  /** What cannot be repaired automatically. */
  problems: string[];
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Makes the store's folders match its committed state (see the header comment). */
export function reconcile(root: string, state: StoreState, repair: boolean, sync = true): ReconcileReport {
  const r: ReconcileReport = { actions: [], problems: [] };
  const byFile = new Map(Object.values(state.images).map((i) => [i.file, i.name]));
  const stagingDir = join(root, STAGING_DIR);
  const imagesDir = join(root, IMAGES_DIR);
  for (const f of readdirSync(stagingDir)) {
    const owner = byFile.get(f);
    const inImages = existsSync(join(imagesDir, f));
    if (owner !== undefined && !inImages) {
      r.actions.push(`moved committed file ${f} of ${owner} from staging/ into images/`);
      if (repair) renameSync(join(stagingDir, f), join(imagesDir, f));
    } else {
      r.actions.push(`removed ${f} from staging/ (left by an operation that did not commit)`);
      if (repair) rmSync(join(stagingDir, f), { force: true, recursive: true });
    }
  }
  fixBackingNames(root, state, () => true, sync, r.actions, repair);
  for (const f of readdirSync(imagesDir)) {
    if (byFile.has(f)) continue;
    const probe = /^\.reflink-probe-(\d+)/.exec(f);
    if (probe) {
      if (!pidAlive(Number(probe[1]))) {
        r.actions.push(`removed images/${f} (a reflink probe left by process ${probe[1]}, which is gone)`);
        if (repair) rmSync(join(imagesDir, f), { force: true });
      }
      continue;
    }
    if (!OUR_FILE.test(f)) {
      r.problems.push(`images/${f} is not a file this store made; move it out of the store`);
      continue;
    }
    r.actions.push(`removed images/${f}, which no image references (a deletion that did not finish)`);
    if (repair) unlinkSync(join(imagesDir, f));
  }
  for (const f of readdirSync(root)) {
    const lockLeft = /^store\.lock\.(\d+)$/.exec(f);
    const temp = /^store\.json\.tmp-(\d+)$/.exec(f);
    const m = lockLeft ?? temp;
    if (m && !pidAlive(Number(m[1]))) {
      r.actions.push(`removed ${f} (left by process ${m[1]}, which is gone)`);
      if (repair) rmSync(join(root, f), { force: true });
    }
  }
  for (const img of Object.values(state.images)) {
    if (!existsSync(join(imagesDir, img.file)) && !existsSync(join(stagingDir, img.file))) {
      r.problems.push(`${img.name}: its file images/${img.file} is missing`);
    }
  }
  if (repair && r.actions.length > 0 && sync) fsyncDir(imagesDir);
  return r;
}
