/**
 * `images.deploy`: quick deployment of VM disks from a golden image, the experiment of
 * Tao Ma and Joel Becker's "Reflink Update" (Xen Summit Asia 2009): "cp takes 50 x 10 GB /
 * bw and 500 GB of space; reflink takes 50 x t_meta x #extents plus only the diverged
 * space".
 *
 * Setup: a 10 GiB sparse raw template holding 2 GiB of non-zero data (32 chunks of 64 MiB
 * spread over the disk), imported into an image store on a private loop-mounted file
 * system (so free-space deltas are ours alone): XFS with reflink=1 for "reflink", ext4 for
 * "qcow2" and "copy". Then N disks are deployed with one `clone` of N names, a single
 * durable store transaction (one syncfs, one log fdatasync): N = 50 by reflink, 50 as
 * qcow2 overlays, 3 by full copy (holes kept, as `cp --sparse=always`).
 *
 * Metrics: s_per_disk (wall time / N), mib_used_per_disk (drop in the file system's free
 * space / N, after syncfs), total_s (all N). The reflink and qcow2 cases also deploy N
 * more one by one (N transactions: each fsyncs its file, staging/ and the log; this is
 * what N separate `xenlab images clone` commands cost, minus process start-up) as
 * s_per_disk_one_by_one, and make one full copy on the same file system, reporting
 * copy_time_ratio and copy_space_ratio (copy's figure over theirs, per disk). Needs root
 * and loop devices; without them the case fails saying so.
 */
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { closeSync, fsyncSync, ftruncateSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ImageStore } from "../images/image-store.js";
import { mountLoopFs } from "../images/loop-fs.js";
import { cloneImage } from "../images/store-clone.js";
import { importImage } from "../images/store-import.js";
import type { Bench, BenchMeasurement } from "./bench-types.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const TEMPLATE_SIZE = 10 * GiB;
const DATA_CHUNKS = 32;
const CHUNK = 64 * MiB; // 32 x 64 MiB = 2 GiB of data
/** Loop file system size: template data + one full copy + copies, with room to spare. */
const FS_MIB = { reflink: 16 * 1024, qcow2: 16 * 1024, copy: 20 * 1024 } as const;
const DEPLOYS = { reflink: 50, qcow2: 50, copy: 3 } as const;

type Method = keyof typeof DEPLOYS;

/**
 * Free bytes once the file system has settled: syncfs (which also runs XFS's deferred
 * inode work), then statfs until two reads agree.
 */
function freeBytes(dir: string): number {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    spawnSync("sync", ["-f", dir]);
    const s = statfsSync(dir);
    const free = s.bavail * s.bsize;
    if (free === last) return free;
    last = free;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  return last;
}

function writeTemplate(path: string): void {
  const buf = Buffer.alloc(CHUNK);
  randomFillSync(buf);
  const fd = openSync(path, "wx");
  try {
    const stride = TEMPLATE_SIZE / DATA_CHUNKS; // 320 MiB
    for (let c = 0; c < DATA_CHUNKS; c++) {
      buf.writeUInt32LE(c, 0); // every chunk distinct
      let done = 0;
      while (done < CHUNK) done += writeSync(fd, buf, done, CHUNK - done, c * stride + done);
    }
    ftruncateSync(fd, TEMPLATE_SIZE); // the sparse rest of the 10 GiB
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

interface Deployed {
  seconds: number;
  bytesUsed: number;
}

/**
 * Deploys n disks: as one `clone` of n names (one transaction: one syncfs, one commit
 * record), or one by one (n transactions, each with its own flushes).
 */
function deploy(
  store: ImageStore,
  mnt: string,
  n: number,
  copy: boolean,
  prefix: string,
  oneByOne = false,
): Deployed {
  const names = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const free0 = freeBytes(mnt);
  const t0 = process.hrtime.bigint();
  if (oneByOne) for (const name of names) cloneImage(store, "golden", [name], { copy });
  else cloneImage(store, "golden", names, { copy });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, bytesUsed: free0 - freeBytes(mnt) };
}

function runCase(method: Method): BenchMeasurement[] {
  const fs = mountLoopFs(method === "reflink" ? "xfs-reflink" : "ext4", FS_MIB[method]);
  if (!fs.ok) throw new Error(`images.deploy ${method}: ${fs.reason}`);
  try {
    const src = join(fs.dir, "golden.raw");
    writeTemplate(src);
    const { store } = ImageStore.create(join(fs.dir, "store"), method === "reflink" ? "reflink" : "qcow2");
    if (method === "reflink" && store.method !== "reflink")
      throw new Error("the XFS loop file system did not reflink");
    importImage(store, src, "golden");
    rmSync(src);
    const n = DEPLOYS[method];
    const main = deploy(store, fs.dir, n, method === "copy", "vm");
    const perDisk = main.seconds / n;
    const mibPerDisk = main.bytesUsed / n / MiB;
    const out: BenchMeasurement[] = [
      { metric: "s_per_disk", value: perDisk, unit: "s" },
      { metric: "mib_used_per_disk", value: mibPerDisk, unit: "MiB" },
      { metric: "total_s", value: main.seconds, unit: "s" },
    ];
    if (method !== "copy") {
      const single = deploy(store, fs.dir, n, false, "one", true);
      out.push({ metric: "s_per_disk_one_by_one", value: single.seconds / n, unit: "s" });
      const ref = deploy(store, fs.dir, 1, true, "ref");
      out.push(
        { metric: "copy_time_ratio", value: ref.seconds / perDisk, unit: "1" },
        {
          metric: "copy_space_ratio",
          value: ref.bytesUsed / MiB / Math.max(mibPerDisk, 1 / 1024),
          unit: "1",
        },
      );
    }
    return out;
  } finally {
    fs.cleanup();
  }
}

export const imagesDeploy: Bench = {
  name: "images.deploy",
  cases: [{ method: "reflink" }, { method: "qcow2" }, { method: "copy" }],
  run(params) {
    return runCase(String(params.method) as Method);
  },
};
