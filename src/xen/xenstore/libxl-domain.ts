/**
 * The xenstore entries xl/libxl writes when it creates (and destroys) a domain, so that
 * `xenstore-ls` on the twin looks like a real host's.
 *
 * Sources (Xen 4.17, read for keys, order and permissions):
 * `tools/libs/light/libxl_create.c` libxl__domain_make() (one transaction: the domain,
 * /vm/<uuid> and /libxl/<domid> directories with their permissions, control/*, data,
 * drivers, feature, attr, error, vm/uuid, vm/name, platform features, libxl type),
 * `libxl_dom.c` libxl__build_post() (memory/*, domid, store/*, cpu/N/availability,
 * /vm image keys, then XS_INTRODUCE), store_libxl_entry() (dm-version),
 * `tools/helpers/xen-init-dom0.c` (dom0's domid and name), and
 * `docs/misc/xenstore-paths.pandoc`.
 * Permissions as libxl: roperm [n0, r<domid>] (the guest reads, dom0 owns), rwperm
 * [n<domid>] (the guest owns), noperm [n0].
 * `start_time` is the domain's start in seconds of the caller's clock (the twin's
 * simulated time), written as libxl does ("%jd.%02d", centiseconds).
 */
import {
  addConsole,
  addDisk,
  addNic,
  addUsbCtrl,
  attachUsbDev,
  type DiskSpec,
  type NicSpec,
  type UsbCtrlSpec,
} from "../xenbus-devices.js";
import type { XsConnection } from "./xs-connection.js";
import type { Errno } from "./xs-wire.js";

export interface LibxlDomainSpec {
  domid: number;
  name: string;
  /** 8-4-4-4-12 lower-case hex. */
  uuid: string;
  type?: "pv" | "hvm" | "pvh";
  /** vCPUs online at start (avail_vcpus). */
  vcpus: number;
  /** max_vcpus (default vcpus). */
  maxVcpus?: number;
  /** target_memkb. */
  memoryKiB: number;
  /** max_memkb (default memoryKiB). */
  maxMemoryKiB?: number;
  /** video_memkb (default 0 for PV/PVH, 8192 for HVM as xl's default videoram 8 MiB). */
  videoMemKiB?: number;
  /** The xenstore ring: event channel and frame (libxl's state->store_port / store_mfn). */
  storePort: number;
  storeMfn: number;
  /** PV image paths (written under /vm/<uuid>/image). */
  kernel?: string;
  ramdisk?: string;
  cmdline?: string;
  /** Seconds on the caller's clock. */
  startTime: number;
}

const RO = (domid: number) => ["n0", `r${domid}`];
const RW = (domid: number) => [`n${domid}`];
const NO = ["n0"];

/** xen-init-dom0: /local/domain/0/domid and /name. */
export function writeDom0Entries(c: XsConnection): Errno | undefined {
  return c.write("/local/domain/0/domid", "0") ?? c.write("/local/domain/0/name", "Domain-0");
}

/** "%jd.%02d": whole seconds, then centiseconds. */
export function libxlStartTime(seconds: number): string {
  const whole = Math.floor(seconds);
  const cs = Math.floor((seconds - whole) * 100 + 1e-9);
  return `${whole}.${String(cs).padStart(2, "0")}`;
}

/**
 * libxl__domain_make(), libxl__build_post() and XS_INTRODUCE, then dm-version: what a
 * domain has in xenstore before its devices are added.
 */
export function writeDomainEntries(c: XsConnection, d: LibxlDomainSpec): Errno | undefined {
  const type = d.type ?? "pv";
  const dom = `/local/domain/${d.domid}`;
  const vm = `/vm/${d.uuid}`;
  const lx = `/libxl/${d.domid}`;
  const mknod = (tx: number, path: string, perms: string[]): Errno | undefined =>
    c.mkdir(path, tx) ?? c.setPerms(path, perms, tx);
  /** xs_rm (result ignored, as libxl does) then libxl__xs_mknod. */
  const remake = (tx: number, path: string, perms: string[]): Errno | undefined => {
    c.rm(path, tx);
    return mknod(tx, path, perms);
  };

  const make = c.inTransaction((tx) => {
    c.rm(dom, tx);
    const steps: Array<() => Errno | undefined> = [
      () => mknod(tx, dom, RO(d.domid)),
      () => remake(tx, vm, RO(d.domid)),
      () => remake(tx, lx, NO),
      () => mknod(tx, `${lx}/device`, NO),
      () => c.write(`${dom}/vm`, vm, tx),
      () => c.write(`${dom}/name`, d.name, tx),
      () => mknod(tx, `${dom}/cpu`, RO(d.domid)),
      () => mknod(tx, `${dom}/memory`, RO(d.domid)),
      () => mknod(tx, `${dom}/device`, RO(d.domid)),
      () => mknod(tx, `${dom}/device/suspend/event-channel`, RW(d.domid)),
      () => mknod(tx, `${dom}/control`, RO(d.domid)),
      () => (type === "hvm" ? mknod(tx, `${dom}/hvmloader`, RO(d.domid)) : undefined),
      () => mknod(tx, `${dom}/control/shutdown`, RW(d.domid)),
      () => mknod(tx, `${dom}/control/feature-poweroff`, RW(d.domid)),
      () => mknod(tx, `${dom}/control/feature-reboot`, RW(d.domid)),
      () => mknod(tx, `${dom}/control/feature-suspend`, RW(d.domid)),
      () => (type === "hvm" ? mknod(tx, `${dom}/control/feature-s3`, RW(d.domid)) : undefined),
      () => (type === "hvm" ? mknod(tx, `${dom}/control/feature-s4`, RW(d.domid)) : undefined),
      () => mknod(tx, `${dom}/control/sysrq`, RW(d.domid)),
      () => mknod(tx, `${dom}/data`, RW(d.domid)),
      () => mknod(tx, `${dom}/drivers`, RW(d.domid)),
      () => mknod(tx, `${dom}/feature`, RW(d.domid)),
      () => mknod(tx, `${dom}/attr`, RW(d.domid)),
      () => mknod(tx, `${dom}/error`, RW(d.domid)),
      () => c.write(`${vm}/uuid`, d.uuid, tx),
      () => c.write(`${vm}/name`, d.name, tx),
      () => c.write(`${dom}/control/platform-feature-multiprocessor-suspend`, "1", tx),
      () => c.write(`${dom}/control/platform-feature-xs_reset_watches`, "1", tx),
      () => c.write(`${lx}/type`, type, tx),
    ];
    for (const step of steps) {
      const e = step();
      if (e) return e;
    }
    return undefined;
  });
  if (make) return make;

  const maxVcpus = d.maxVcpus ?? d.vcpus;
  const video = d.videoMemKiB ?? (type === "hvm" ? 8192 : 0);
  const ents: Array<[string, string]> = [
    ["memory/static-max", String(d.maxMemoryKiB ?? d.memoryKiB)],
    ["memory/target", String(d.memoryKiB - video)],
    ["memory/videoram", String(video)],
    ["domid", String(d.domid)],
    ["store/port", String(d.storePort)],
    ["store/ring-ref", String(d.storeMfn)],
  ];
  for (let i = 0; i < maxVcpus; i++) ents.push([`cpu/${i}/availability`, i < d.vcpus ? "online" : "offline"]);
  const local: Array<[string, string]> =
    type === "hvm"
      ? [
          ["platform/acpi", "1"],
          ["platform/acpi_s3", "1"],
          ["platform/acpi_s4", "1"],
          ["platform/acpi_laptop_slate", "0"],
          ["platform/device-model", "qemu_xen"],
        ]
      : [];
  const start = libxlStartTime(d.startTime);
  const vments: Array<[string, string]> =
    type === "pv"
      ? [
          ["image/ostype", "linux"],
          ["image/kernel", d.kernel ?? ""],
          ["start_time", start],
          ...(d.ramdisk ? [["image/ramdisk", d.ramdisk] as [string, string]] : []),
          ...(d.cmdline ? [["image/cmdline", d.cmdline] as [string, string]] : []),
        ]
      : type === "hvm"
        ? [
            ["rtc/timeoffset", ""],
            ["image/ostype", "hvm"],
            ["start_time", start],
          ]
        : [["start_time", start]];
  const post = c.inTransaction((tx) => {
    for (const [k, v] of ents) c.write(`${dom}/${k}`, v, tx);
    for (const [k, v] of local) c.write(`${dom}/${k}`, v, tx);
    for (const [k, v] of vments) c.write(`${vm}/${k}`, v, tx);
    return undefined;
  });
  if (post) return post;
  const intro = c.introduceDomain(d.domid, d.storeMfn, d.storePort);
  if (intro) return intro;
  return c.write(`${lx}/dm-version`, "qemu_xen");
}

export interface XlDomainConfig extends LibxlDomainSpec {
  console?: { port: number; mfn: number };
  disks?: DiskSpec[];
  nics?: NicSpec[];
  usbctrls?: UsbCtrlSpec[];
  /** usbdev= entries: controller devid, port, host bus id. */
  usbdevs?: Array<{ ctrl: number; port: number; busid: string }>;
}

/**
 * Everything `xl create` writes for a domain, in libxl's order: the domain entries,
 * disks, the PV console, vifs, then USB controllers and devices.
 */
export function createDomainLikeXl(c: XsConnection, d: XlDomainConfig): Errno | undefined {
  const steps: Array<() => Errno | undefined> = [() => writeDomainEntries(c, d)];
  for (const disk of d.disks ?? []) steps.push(() => addDisk(c, d.domid, { guestType: d.type, ...disk }));
  if (d.console) {
    const con = d.console;
    steps.push(() => addConsole(c, d.domid, con));
  }
  for (const nic of d.nics ?? []) steps.push(() => addNic(c, d.domid, nic));
  for (const ctrl of d.usbctrls ?? []) steps.push(() => addUsbCtrl(c, d.domid, ctrl));
  for (const u of d.usbdevs ?? []) {
    const ctrl = d.usbctrls?.find((x) => x.devid === u.ctrl) ?? { devid: u.ctrl };
    steps.push(() => attachUsbDev(c, d.domid, ctrl, u.port, u.busid));
  }
  for (const s of steps) {
    const e = s();
    if (e) return e;
  }
  return undefined;
}

/**
 * After `xl destroy`: libxl removes the domain's directories and its back ends in dom0
 * (the daemon itself drops the nodes the domain owned when it learns of its death).
 */
export function destroyDomainEntries(c: XsConnection, domid: number, uuid: string): Errno | undefined {
  return c.inTransaction((tx) => {
    for (const kind of ["vif", "vbd", "qdisk", "vusb", "qusb", "console"])
      c.rm(`/local/domain/0/backend/${kind}/${domid}`, tx);
    c.rm(`/local/domain/${domid}`, tx);
    c.rm(`/vm/${uuid}`, tx);
    c.rm(`/libxl/${domid}`, tx);
    return undefined;
  });
}
