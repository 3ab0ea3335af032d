/**
 * `xenlab images <init|import|clone|snapshot|revert|rm|ls|check|path>`: the image store
 * (src/images/) on a folder given by --store or $XENLAB_IMAGE_STORE. Refusals (missing
 * image, name taken, not enough space, not an image, dependents) exit with code 2 and
 * leave the store unchanged; a damaged store exits with 1.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { ImageStoreError } from "../images/image-errors.js";
import { probeImageFile } from "../images/image-probe.js";
import { formatBytes, ImageStore, type MethodChoice } from "../images/image-store.js";
import { storeUsage } from "../images/image-usage.js";
import { checkStore } from "../images/store-check.js";
import { cloneImage, revertImage, snapshotImage } from "../images/store-clone.js";
import { importImage } from "../images/store-import.js";
import { removeImages } from "../images/store-remove.js";
import { SIZE } from "../scenario/units.js";
import { UsageError } from "./exit-codes.js";
import { checkText, lsTable, progressLine } from "./images-output.js";

interface StoreFlag {
  store?: string;
}

const METHODS = ["auto", "reflink", "qcow2"];
const tty = (): boolean => process.stderr.isTTY === true;
const out = (s: string): void => {
  process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
};

function storePath(flags: StoreFlag): string {
  const p = flags.store ?? process.env.XENLAB_IMAGE_STORE;
  if (!p) throw new UsageError("give the store folder with --store <dir> (or set XENLAB_IMAGE_STORE)");
  return resolve(p);
}

/** Runs an action, turning the store's refusals into exit code 2 and damage into 1. */
function guarded<A extends unknown[]>(sub: string, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (e) {
      if (e instanceof ImageStoreError) {
        if (e.isInputProblem) throw new UsageError(`xenlab images ${sub}: ${e.message}`);
        throw new Error(`images ${sub}: ${e.message}`);
      }
      throw e;
    }
  };
}

function methodChoice(m: string): MethodChoice {
  if (!METHODS.includes(m))
    throw new UsageError(`--method: expected one of ${METHODS.join(", ")}, got "${m}"`);
  return m as MethodChoice;
}

function createStore(root: string, method: MethodChoice): ImageStore {
  const { store, probe } = ImageStore.create(root, method);
  const why = probe.supported
    ? "reflink works on this file system"
    : `reflink not available here: ${probe.reason}`;
  out(
    `created image store ${root}: clones by ${store.method === "reflink" ? "reflink" : "qcow2 overlay"} (${why})`,
  );
  return store;
}

function parseSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = SIZE.parse(text);
  if (v === null) throw new UsageError(`--size: expected a size like "20GiB", got "${text}"`);
  return v;
}

function splitSnap(disk: string, snap: string | undefined): [string, string] {
  if (snap !== undefined) return [disk, snap];
  const at = disk.indexOf("@");
  if (at <= 0) throw new UsageError(`name the snapshot: <disk> <snap> or <disk>@<snap>, got "${disk}"`);
  return [disk.slice(0, at), disk.slice(at + 1)];
}

const storeOption = ["-s, --store <dir>", "the image store folder (default: $XENLAB_IMAGE_STORE)"] as const;

export function registerImagesCommand(program: Command): void {
  const images = program
    .command("images")
    .description("a store of VM disk images: reflink or qcow2-overlay clones, snapshots, usage")
    .addHelpText(
      "after",
      `
The store clones by reflink (XFS with reflink=1, btrfs: O(1), blocks shared until written)
and falls back to qcow2 overlays backed by the template where reflink is missing (ext4):
also O(1), readable by qemu-img and QEMU. A full copy happens only with --copy.
Every operation is atomic (an interrupted one is rolled back or finished by the next
command or by "check").

Examples:
  $ xenlab images import --store /srv/images debian12.raw deb12
  $ xenlab images clone --store /srv/images deb12 web1 web2 web3
  $ xenlab images snapshot --store /srv/images web1 before-upgrade
  $ xenlab images revert --store /srv/images web1 before-upgrade
  $ xenlab images ls --store /srv/images
  $ xenlab images rm --store /srv/images web1 --force
  $ xenlab images check --store /srv/images`,
    );

  images
    .command("init")
    .description("create an empty store (import does this too when the folder is not a store)")
    .option(...storeOption)
    .option("--method <m>", "auto (reflink if it works here, else qcow2), reflink or qcow2", "auto")
    .addHelpText("after", "\nExample:\n  $ xenlab images init --store /srv/images --method auto")
    .action(
      guarded("init", (flags: StoreFlag & { method: string }) => {
        createStore(storePath(flags), methodChoice(flags.method));
      }),
    );

  images
    .command("import")
    .description("import a raw or qcow2 file as a template (or, with --disk, as a VM disk)")
    .argument("<file>", "the image file")
    .argument("<name>", "the image's name in the store")
    .option(...storeOption)
    .option("--format <f>", "refuse the file unless it is raw or qcow2")
    .option("--disk", "import as a writable VM disk instead of a template")
    .option("--method <m>", "when creating the store: auto, reflink or qcow2", "auto")
    .addHelpText(
      "after",
      "\nExamples:\n  $ xenlab images import --store /srv/images debian12.raw deb12\n  $ xenlab images import --store /srv/images old-vm.qcow2 legacy --disk",
    )
    .action(
      guarded(
        "import",
        (
          file: string,
          name: string,
          flags: StoreFlag & { format?: string; disk?: boolean; method: string },
        ) => {
          const root = storePath(flags);
          if (flags.format !== undefined && flags.format !== "raw" && flags.format !== "qcow2") {
            throw new UsageError(`--format: expected raw or qcow2, got "${flags.format}"`);
          }
          const format = flags.format as "raw" | "qcow2" | undefined;
          // Check the file before creating a store for it, so a refusal leaves nothing behind.
          if (!ImageStore.isStore(root)) probeImageFile(file, format);
          const store = ImageStore.isStore(root)
            ? ImageStore.open(root)
            : createStore(root, methodChoice(flags.method));
          const bar = progressLine(`importing ${name}`, tty());
          const t0 = performance.now();
          const r = importImage(store, file, name, {
            format,
            kind: flags.disk ? "disk" : "template",
            onProgress: (d, t) => bar.update(d, t),
          });
          bar.done();
          const how =
            r.how === "reflink"
              ? "by reflink (shares the source's blocks)"
              : `by copy (${formatBytes(r.bytesCopied)} written, holes kept)`;
          out(
            `imported ${file} as ${r.image.kind} ${name}: ${r.image.format}, ${formatBytes(r.image.virtualSize)} virtual, ${how}, in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
          );
        },
      ),
    );

  images
    .command("clone")
    .description(
      "create VM disks from a template or snapshot (reflink or qcow2 overlay; --copy for a full copy)",
    )
    .argument("<source>", "template, snapshot (or, in a reflink store, disk) to clone")
    .argument("<disk...>", "names of the new disks")
    .option(...storeOption)
    .option("--copy", "make full, independent copies (uses space and time proportional to the data)")
    .option("--size <size>", 'virtual size of the new disks, at least the source\'s (e.g. "20GiB")')
    .addHelpText(
      "after",
      "\nExamples:\n  $ xenlab images clone --store /srv/images deb12 web1 web2 web3\n  $ xenlab images clone --store /srv/images deb12 big --size 40GiB\n  $ xenlab images clone --store /srv/images web1@base standalone --copy",
    )
    .action(
      guarded(
        "clone",
        (source: string, disks: string[], flags: StoreFlag & { copy?: boolean; size?: string }) => {
          const store = ImageStore.open(storePath(flags));
          const bar = progressLine(`copying ${source}`, tty() && flags.copy === true);
          const t0 = performance.now();
          const r = cloneImage(store, source, disks, {
            copy: flags.copy === true,
            size: parseSize(flags.size),
            onProgress: (d, t) => bar.update(d, t),
          });
          bar.done();
          const secs = (performance.now() - t0) / 1000;
          const how =
            { reflink: "by reflink", "qcow2-overlay": "as qcow2 overlays", copy: "by full copy" }[
              r.how as string
            ] ?? r.how;
          out(
            `${disks.join(", ")}: ${disks.length} disk${disks.length > 1 ? "s" : ""} from ${source} ${how} in ${secs.toFixed(3)} s`,
          );
        },
      ),
    );

  images
    .command("snapshot")
    .description("take a read-only snapshot of a disk, named <disk>@<snap>")
    .argument("<disk>", "the disk (or <disk>@<snap>)")
    .argument("[snap]", "the snapshot's name")
    .option(...storeOption)
    .addHelpText(
      "after",
      "\nThe VM should be stopped for a qcow2 store (a reflink snapshot is crash-consistent live).\n\nExample:\n  $ xenlab images snapshot --store /srv/images web1 before-upgrade",
    )
    .action(
      guarded("snapshot", (disk: string, snap: string | undefined, flags: StoreFlag) => {
        const store = ImageStore.open(storePath(flags));
        const [d, s] = splitSnap(disk, snap);
        const img = snapshotImage(store, d, s);
        out(
          `snapshot ${img.name} taken (${store.method === "reflink" ? "reflink" : "qcow2: the disk continues in a new overlay"})`,
        );
      }),
    );

  images
    .command("revert")
    .description("return a disk to one of its snapshots (the disk's later changes are discarded)")
    .argument("<disk>", "the disk (or <disk>@<snap>)")
    .argument("[snap]", "the snapshot")
    .option(...storeOption)
    .addHelpText("after", "\nExample:\n  $ xenlab images revert --store /srv/images web1 before-upgrade")
    .action(
      guarded("revert", (disk: string, snap: string | undefined, flags: StoreFlag) => {
        const store = ImageStore.open(storePath(flags));
        const [d, s] = splitSnap(disk, snap);
        revertImage(store, d, s);
        out(`${d} reverted to ${d}@${s}`);
      }),
    );

  images
    .command("rm")
    .description("delete images; refuses while others depend on them unless --force")
    .argument("<name...>", "images to delete")
    .option(...storeOption)
    .option("--force", "also delete every image that depends on them (they are listed)")
    .addHelpText(
      "after",
      "\nDeleting a qcow2 snapshot whose only dependent is the next image up merges it into that image.\n\nExamples:\n  $ xenlab images rm --store /srv/images web3\n  $ xenlab images rm --store /srv/images deb12 --force",
    )
    .action(
      guarded("rm", (names: string[], flags: StoreFlag & { force?: boolean }) => {
        const store = ImageStore.open(storePath(flags));
        const r = removeImages(store, names, { force: flags.force === true });
        for (const step of r.steps) {
          if (step.kind === "merge") out(`merged snapshot ${step.snapshot} into ${step.into} and deleted it`);
          else {
            const extra = step.names.filter((n) => !names.includes(n));
            out(
              `deleted ${step.names.join(", ")}${extra.length > 0 ? ` (with --force: ${extra.join(", ")} depended on it)` : ""}`,
            );
          }
        }
      }),
    );

  images
    .command("ls")
    .description("list images with virtual size and bytes allocated, shared and exclusive")
    .option(...storeOption)
    .option("--json", "print JSON (records, usage and file paths)")
    .option("--bytes", "print sizes in bytes")
    .option("--no-usage", "skip the space accounting (faster on big stores)")
    .addHelpText(
      "after",
      `
ALLOCATED = storage the image's content rests on (own blocks + backing data it reads);
SHARED = the part other images use too; EXCLUSIVE = what only it uses (a quota's figure).

Example:
  $ xenlab images ls --store /srv/images`,
    )
    .action(
      guarded("ls", (flags: StoreFlag & { json?: boolean; bytes?: boolean; usage: boolean }) => {
        const store = ImageStore.open(storePath(flags));
        const usage = flags.usage ? storeUsage(store) : null;
        if (flags.json) {
          const imagesOut = store.list().map((img) => ({
            ...img,
            path: store.path(img),
            usage: usage?.images.find((u) => u.name === img.name) ?? null,
          }));
          out(
            JSON.stringify(
              {
                store: store.root,
                method: store.method,
                images: imagesOut,
                physical: usage?.physical ?? null,
              },
              null,
              2,
            ),
          );
          return;
        }
        process.stdout.write(lsTable(store.state, store.list(), usage, flags.bytes === true));
      }),
    );

  images
    .command("path")
    .description("print the file of an image (e.g. for an xl.cfg disk line)")
    .argument("<name>", "the image")
    .option(...storeOption)
    .addHelpText("after", "\nExample:\n  $ xenlab images path --store /srv/images web1")
    .action(
      guarded("path", (name: string, flags: StoreFlag) => {
        const store = ImageStore.open(storePath(flags));
        const img = store.get(name);
        if (!img) throw new ImageStoreError("not-found", `no image named ${name}`);
        out(`${store.path(img)}\t${img.format}`);
      }),
    );

  images
    .command("check")
    .description("find and repair what interrupted operations left, and verify metadata against files")
    .option(...storeOption)
    .option("--dry-run", "only report what would be repaired")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      "\nExit code 1 when problems remain that need a human.\n\nExample:\n  $ xenlab images check --store /srv/images",
    )
    .action(
      guarded("check", (flags: StoreFlag & { dryRun?: boolean; json?: boolean }) => {
        const root = storePath(flags);
        const repair = flags.dryRun !== true;
        const r = checkStore(root, { repair });
        out(flags.json ? JSON.stringify({ ...r, repaired: repair }, null, 2) : checkText(root, r, repair));
        if (r.problems.length > 0 || (!repair && r.actions.length > 0)) process.exitCode = 1;
      }),
    );
}
