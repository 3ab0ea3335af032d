/**
 * `xenlab images check`: finds and repairs what an interrupted operation left behind, and
 * verifies that metadata and files agree.
 *
 * Repaired (with `repair`, the default): a partly written last log record (cut off), staged
 * files of operations that did not commit (removed) or that did (moved in), files no image
 * references (removed), qcow2 backing names that lag behind a committed change
 * (rewritten), temporary and lock files of dead processes (removed).
 * Reported, not repaired (they need a human): a missing image file, a file whose format or
 * size disagrees with its record, a broken backing chain, damaged qcow2 tables, a qcow2
 * header with the corrupt or dirty bit, a reflink store whose file system no longer
 * reflinks. Deep qcow2 refcount checking is `qemu-img check`'s job; ours checks the tables
 * we read.
 */
import { closeSync, fstatSync, ftruncateSync, openSync } from "node:fs";
import { join } from "node:path";
import { ImageStoreError } from "./image-errors.js";
import { INCOMPAT_CORRUPT, INCOMPAT_DIRTY } from "./qcow2-format.js";
import { readClusterMap, readQcow2Info } from "./qcow2-reader.js";
import { probeReflink, type ReflinkProbe } from "./reflink.js";
import { acquireLock } from "./store-lock.js";
import { LOG_FILE, loadState } from "./store-log.js";
import type { ImageRecord, StoreState } from "./store-state.js";
import { IMAGES_DIR, imageFilePath, LOCK_FILE, reconcile } from "./store-txn.js";

export interface CheckReport {
  images: number;
  method: StoreState["method"];
  reflink: ReflinkProbe;
  /** Repairs done (or, with repair off, that would be done). */
  actions: string[];
  /** Problems that need a human. */
  problems: string[];
}

function checkChain(state: StoreState, img: ImageRecord, problems: string[]): void {
  const seen = new Set<string>([img.name]);
  let cur = img;
  while (cur.backing !== null) {
    const next = state.images[cur.backing];
    if (!next) {
      problems.push(`${img.name}: backing image ${cur.backing} does not exist`);
      return;
    }
    if (seen.has(next.name)) {
      problems.push(`${img.name}: its backing chain loops at ${next.name}`);
      return;
    }
    seen.add(next.name);
    cur = next;
  }
}

function checkFile(
  root: string,
  state: StoreState,
  img: ImageRecord,
  problems: string[],
  names: boolean,
): void {
  const path = imageFilePath(root, img.file);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return; // reported by reconcile as missing
  }
  try {
    const size = fstatSync(fd).size;
    if (img.format === "raw") {
      if (size !== img.virtualSize)
        problems.push(`${img.name}: raw file is ${size} bytes, metadata says ${img.virtualSize}`);
      return;
    }
    const info = readQcow2Info(fd, path);
    if (info.header.size !== img.virtualSize) {
      problems.push(`${img.name}: qcow2 virtual size ${info.header.size}, metadata says ${img.virtualSize}`);
    }
    if (info.header.incompatibleFeatures & INCOMPAT_CORRUPT)
      problems.push(`${img.name}: the qcow2 corrupt bit is set`);
    if (info.header.incompatibleFeatures & INCOMPAT_DIRTY) {
      problems.push(
        `${img.name}: the qcow2 dirty bit is set (open in a VM, or not closed cleanly: qemu-img check -r all)`,
      );
    }
    const backing = img.backing === null ? null : state.images[img.backing];
    if (backing === null && info.backingFile !== null) {
      problems.push(`${img.name}: has backing file ${info.backingFile} but metadata records none`);
    }
    if (names && backing && info.backingFile !== backing.file) {
      problems.push(`${img.name}: backing file name ${info.backingFile} instead of ${backing.file}`);
    }
    readClusterMap(fd, info, problems);
  } catch (e) {
    if (!(e instanceof ImageStoreError)) throw e;
    problems.push(`${img.name}: ${e.message}`);
  } finally {
    closeSync(fd);
  }
}

export function checkStore(root: string, opts: { repair?: boolean; sync?: boolean } = {}): CheckReport {
  const repair = opts.repair !== false;
  const sync = opts.sync !== false;
  const release = acquireLock(join(root, LOCK_FILE));
  try {
    const loaded = loadState(root);
    const { state } = loaded;
    const actions: string[] = [];
    if (loaded.tornTail) {
      actions.push(`cut a partly written, uncommitted record from the end of ${LOG_FILE}`);
      if (repair) {
        const fd = openSync(join(root, LOG_FILE), "r+");
        ftruncateSync(fd, loaded.validLogBytes);
        closeSync(fd);
      }
    }
    const rec = reconcile(root, state, repair, sync);
    actions.push(...rec.actions);
    const problems = [...rec.problems];
    for (const img of Object.values(state.images)) {
      checkChain(state, img, problems);
      if (img.snapshotOf !== null && state.images[img.snapshotOf]?.kind !== "disk") {
        problems.push(`${img.name}: is a snapshot of ${img.snapshotOf}, which is not a disk in the store`);
      }
      // Stale backing names are repaired above, or listed as actions in a dry run.
      checkFile(root, state, img, problems, repair);
    }
    const reflink = probeReflink(join(root, IMAGES_DIR));
    if (state.method === "reflink" && !reflink.supported) {
      problems.push(`the store clones by reflink but its file system no longer can (${reflink.reason})`);
    }
    return { images: Object.keys(state.images).length, method: state.method, reflink, actions, problems };
  } finally {
    release();
  }
}
