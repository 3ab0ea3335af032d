/**
 * The store's metadata on disk: a checkpoint (`store.json`, the whole state as of
 * sequence number `seq`) plus a write-ahead log (`store.log`, one JSON line per committed
 * transaction after the checkpoint). Appending one line and fdatasync-ing it is the commit
 * point of every operation: one small write instead of rewriting the whole state.
 *
 * Each line carries a checksum of its content. A line cut short by a crash (kill -9 can
 * stop a multi-page write() between pages; a power cut can tear it anywhere) is detected
 * by a missing newline, bad JSON or a bad checksum; if it is the last line it was never
 * committed and is ignored (and cut off before the next append). Damage anywhere else is
 * corruption and is reported, never skipped.
 *
 * Every CHECKPOINT_EVERY records the state is rewritten atomically (write-then-rename) and
 * the log emptied; a crash in between leaves log records the checkpoint already holds,
 * which loading skips by sequence number.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./durable-file.js";
import { faultPoint } from "./fault-points.js";
import { ImageStoreError } from "./image-errors.js";
import {
  applyRecord,
  type LogRecord,
  LogRecordSchema,
  type StoreState,
  StoreStateSchema,
} from "./store-state.js";

export const STATE_FILE = "store.json";
export const LOG_FILE = "store.log";
/**
 * Log records between checkpoints: bounds replay work and log size (~100 KB). The crash
 * test lowers it with XENLAB_IMAGES_CHECKPOINT_EVERY to hit the checkpoint steps.
 */
export const CHECKPOINT_EVERY = Number(process.env.XENLAB_IMAGES_CHECKPOINT_EVERY) || 200;

export interface LoadedState {
  state: StoreState;
  /** Committed records in the log after the checkpoint. */
  logRecords: number;
  /** Bytes of the log up to the end of its last valid record. */
  validLogBytes: number;
  /** True when the log ends in an uncommitted, partly written record. */
  tornTail: boolean;
}

export function recordSum(rec: Omit<LogRecord, "sum">): string {
  const body = JSON.stringify({ seq: rec.seq, op: rec.op, time: rec.time, put: rec.put, del: rec.del });
  return createHash("sha256").update(body).digest("hex").slice(0, 16);
}

function corrupt(root: string, what: string): ImageStoreError {
  return new ImageStoreError("corrupt", `image store ${root}: ${what}`);
}

export function isStore(root: string): boolean {
  return existsSync(join(root, STATE_FILE));
}

function readCheckpoint(root: string): StoreState {
  const file = join(root, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ImageStoreError(
        "not-found",
        `${root} is not an image store (no ${STATE_FILE}); import a template to create one`,
      );
    }
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt(root, `${STATE_FILE} is not valid JSON`);
  }
  const parsed = StoreStateSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw corrupt(root, `${STATE_FILE}: ${i.path.join(".")}: ${i.message}`);
  }
  return parsed.data;
}

function parseLine(line: string): LogRecord | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = LogRecordSchema.safeParse(json);
  if (!parsed.success) return null;
  return recordSum(parsed.data) === parsed.data.sum ? parsed.data : null;
}

/** Reads checkpoint + log into the committed state. */
export function loadState(root: string): LoadedState {
  const state = readCheckpoint(root);
  const logPath = join(root, LOG_FILE);
  const buf = existsSync(logPath) ? readFileSync(logPath) : Buffer.alloc(0);
  let pos = 0;
  let records = 0;
  let torn = false;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const rec = nl < 0 ? null : parseLine(buf.toString("utf8", pos, nl));
    if (rec === null) {
      // Only the last line may be bad: it is a commit that never completed.
      if (nl >= 0 && nl + 1 < buf.length) throw corrupt(root, `${LOG_FILE} is damaged at byte ${pos}`);
      torn = true;
      break;
    }
    if (rec.seq > state.seq) {
      if (rec.seq !== state.seq + 1)
        throw corrupt(root, `${LOG_FILE}: record ${rec.seq} follows ${state.seq}`);
      applyRecord(state, rec);
      records++;
    }
    pos = nl + 1;
  }
  return { state, logRecords: records, validLogBytes: pos, tornTail: torn };
}

/** Appends a committed record; the fdatasync is the commit point. */
export function appendRecord(
  root: string,
  loaded: LoadedState,
  rec: Omit<LogRecord, "sum">,
  sync: boolean,
): void {
  const line = Buffer.from(`${JSON.stringify({ ...rec, sum: recordSum(rec) })}\n`);
  const fd = openSync(join(root, LOG_FILE), existsSync(join(root, LOG_FILE)) ? "r+" : "w+");
  try {
    if (loaded.tornTail) ftruncateSync(fd, loaded.validLogBytes);
    const half = line.length >> 1;
    writeSync(fd, line, 0, half, loaded.validLogBytes);
    faultPoint(`${rec.op}:commit-half-written`);
    writeSync(fd, line, half, line.length - half, loaded.validLogBytes + half);
    if (sync) fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  loaded.validLogBytes += line.length;
  loaded.tornTail = false;
  loaded.logRecords++;
  applyRecord(loaded.state, rec);
}

/** Rewrites the checkpoint and empties the log. */
export function checkpoint(root: string, loaded: LoadedState): void {
  writeFileAtomic(join(root, STATE_FILE), `${JSON.stringify(loaded.state, null, 1)}\n`, () =>
    faultPoint("checkpoint:written"),
  );
  faultPoint("checkpoint:renamed");
  const fd = openSync(join(root, LOG_FILE), "r+");
  try {
    ftruncateSync(fd, 0);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  loaded.validLogBytes = 0;
  loaded.logRecords = 0;
  loaded.tornTail = false;
}

/** Creates the metadata of a new, empty store. */
export function createStateFile(root: string, state: StoreState): void {
  writeFileAtomic(join(root, STATE_FILE), `${JSON.stringify(state, null, 1)}\n`);
}
