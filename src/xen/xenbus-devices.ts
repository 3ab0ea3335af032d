/**
 * The toolstack's device entries: what xl/libxl writes in xenstore to add or remove a
 * vif, vbd, vusb controller (and USB device) or the PV console, key by key and in
 * libxl's order, with libxl's permissions.
 *
 * Sources (Xen 4.17 libxl, read for keys, order and permissions):
 * `tools/libs/light/libxl_device.c` (libxl__device_generic_add, libxl__device_add_async,
 * frontend/backend/libxl paths, libxl__initiate_device_generic_remove,
 * libxl__device_destroy), `libxl_nic.c` (libxl__set_xenstore_nic), `libxl_disk.c`
 * (device_disk_add, libxl__device_disk_dev_number), `libxl_usb.c`
 * (libxl__device_usbctrl_add_xenstore, libxl__device_usbdev_add_xenstore),
 * `libxl_console.c` (libxl__device_console_add). Debian's 4.17 build also writes a
 * `trusted = "1"` front-end key for vif and vbd (LIBXL_*_BACKEND_UNTRUSTED unset).
 *
 * Paths: front end /local/domain/<domid>/device/<kind>/<devid> (console 0:
 * /local/domain/<domid>/console), back end /local/domain/<backdom>/backend/<backend
 * kind>/<domid>/<devid>, and the toolstack's own copy /libxl/<domid>/device/<kind>/<devid>.
 * Permissions: front-end directory [n<domid>, r<backdom>] (the guest owns it), back-end
 * directory [n<backdom>, r<domid>], console 0's front end read-only to the guest.
 * Assumption: the empty `hotplug-status` that later libxl versions pre-create in the
 * back end is not written (not in the 4.17 code read); the hotplug step writes it.
 */
import { readState, XenbusState } from "./xenbus.js";
import type { XsConnection } from "./xenstore/xs-connection.js";
import { type Errno, isErrno } from "./xenstore/xs-wire.js";

export interface LibxlDevice {
  /** Front-end kind: vif, vbd, vusb, console. */
  kind: string;
  /** Back-end kind: vif, vbd, qdisk, vusb, qusb, console. */
  backendKind: string;
  domid: number;
  devid: number;
  backendDomid: number;
}

type Kv = readonly [string, string];

export function frontendPath(d: LibxlDevice): string {
  if (d.kind === "console" && d.devid === 0) return `/local/domain/${d.domid}/console`;
  return `/local/domain/${d.domid}/device/${d.kind}/${d.devid}`;
}

export function backendPath(d: LibxlDevice): string {
  return `/local/domain/${d.backendDomid}/backend/${d.backendKind}/${d.domid}/${d.devid}`;
}

export function libxlPath(d: LibxlDevice): string {
  return `/libxl/${d.domid}/device/${d.kind}/${d.devid}`;
}

/** XenbusStateInitialising as libxl writes it. */
const INITIALISING = String(XenbusState.Initialising);

/** libxl__device_generic_add(), inside transaction `tx`. */
export function deviceGenericAdd(
  c: XsConnection,
  tx: number,
  d: LibxlDevice,
  bents: readonly Kv[] | undefined,
  fents: readonly Kv[] | undefined,
  roFents: readonly Kv[] | undefined,
): Errno | undefined {
  const fe = frontendPath(d);
  const be = backendPath(d);
  const lx = libxlPath(d);
  const fePerms = [`n${d.domid}`, `r${d.backendDomid}`];
  const roPerms = [`n${d.backendDomid}`, `r${d.domid}`];
  const check = (e: Errno | undefined): void => {
    if (e) throw new LibxlWriteError(e);
  };
  try {
    // libxl__xs_rm_checked(): a missing node (or parent) is fine.
    const rmErr = c.rm(lx, tx);
    if (rmErr !== "ENOENT") check(rmErr);
    check(c.write(`${lx}/frontend`, fe, tx));
    check(c.write(`${lx}/backend`, be, tx));
    if (fents || roFents) {
      c.rm(fe, tx);
      c.mkdir(fe, tx);
      const consoleLike = d.kind === "console" && d.devid === 0;
      c.setPerms(fe, consoleLike ? roPerms : fePerms, tx);
      c.write(`${fe}/backend`, be, tx);
      for (const [k, v] of fents ?? []) {
        c.write(`${fe}/${k}`, v, tx);
        c.setPerms(`${fe}/${k}`, fePerms, tx);
      }
      for (const [k, v] of roFents ?? []) {
        c.write(`${fe}/${k}`, v, tx);
        c.setPerms(`${fe}/${k}`, roPerms, tx);
      }
    }
    if (bents) {
      c.rm(be, tx);
      c.mkdir(be, tx);
      c.setPerms(be, roPerms, tx);
      c.write(`${be}/frontend`, fe, tx);
      for (const [k, v] of bents) c.write(`${be}/${k}`, v, tx);
      for (const [k, v] of bents) check(c.write(`${lx}/${k}`, v, tx));
    }
  } catch (e) {
    if (e instanceof LibxlWriteError) return e.errno;
    throw e;
  }
  return undefined;
}

class LibxlWriteError extends Error {
  constructor(readonly errno: Errno) {
    super(errno);
  }
}

/** The common keys of libxl__device_add_async(): back end first, then front end. */
function baseKeys(d: LibxlDevice): { back: Kv[]; front: Kv[] } {
  return {
    back: [
      ["frontend-id", String(d.domid)],
      ["online", "1"],
      ["state", INITIALISING],
    ],
    front: [
      ["backend-id", String(d.backendDomid)],
      ["state", INITIALISING],
    ],
  };
}

export interface NicSpec {
  devid: number;
  /** aa:bb:cc:dd:ee:ff, lower case as LIBXL_MAC_FMT prints it. */
  mac: string;
  bridge?: string;
  /** Hotplug script; relative names are under /etc/xen/scripts. Default vif-bridge. */
  script?: string;
  ip?: string;
  /** `rate` as "<bytes per interval>,<interval in µs>" (libxl writes %PRIu64,%PRIu32). */
  rate?: { bytesPerInterval: number; intervalUsecs: number };
  mtu?: number;
  vifname?: string;
  backendDomid?: number;
}

export const SCRIPT_DIR = "/etc/xen/scripts";
/** LIBXL_DEVICE_NIC_MTU_DEFAULT. */
const MTU_DEFAULT = 1500;

function scriptPath(s: string): string {
  return s.startsWith("/") ? s : `${SCRIPT_DIR}/${s}`;
}

/** xl network-attach / a vif= line: libxl__set_xenstore_nic(). */
export function addNic(c: XsConnection, domid: number, nic: NicSpec): Errno | undefined {
  const d: LibxlDevice = {
    kind: "vif",
    backendKind: "vif",
    domid,
    devid: nic.devid,
    backendDomid: nic.backendDomid ?? 0,
  };
  const { back, front } = baseKeys(d);
  const mtu = nic.mtu ?? MTU_DEFAULT;
  back.push(["script", scriptPath(nic.script ?? "vif-bridge")]);
  if (nic.vifname) back.push(["vifname", nic.vifname]);
  back.push(["mac", nic.mac]);
  if (nic.ip) back.push(["ip", nic.ip]);
  if (nic.rate) back.push(["rate", `${nic.rate.bytesPerInterval},${nic.rate.intervalUsecs}`]);
  if (mtu !== MTU_DEFAULT) back.push(["mtu", String(mtu)]);
  back.push(["bridge", nic.bridge ?? "xenbr0"], ["handle", String(nic.devid)], ["type", "vif"]);
  front.push(["handle", String(nic.devid)], ["mac", nic.mac], ["trusted", "1"]);
  const roFront: Kv[] = [["mtu", String(mtu)]];
  return c.inTransaction((tx) => deviceGenericAdd(c, tx, d, back, front, roFront));
}

export interface DiskSpec {
  /** Guest device name: xvda, xvdb, sda, hda ... */
  vdev: string;
  /** Host path (pdev_path). */
  target: string;
  /** phy (blkback) or qdisk (QEMU). Default phy. */
  backend?: "phy" | "qdisk";
  format?: "raw" | "qcow2" | "vhd";
  readwrite?: boolean;
  cdrom?: boolean;
  script?: string;
  backendDomid?: number;
  /** PV guests get the front-end `protocol` key (x86_64-abi). Default pv. */
  guestType?: "pv" | "hvm" | "pvh";
}

/**
 * libxl__device_disk_dev_number(): the devid of a vdev name. xvd: 202<<8 | disk<<4 |
 * part (disk < 16), 1<<28 | disk<<8 | part beyond; sd: 8<<8 | disk<<4 | part; hd: majors
 * 3, 22, 33, 34 ... per pair, minor (disk%2)<<6 | part. Undefined when not parseable.
 */
export function diskDevNumber(vdev: string): number | undefined {
  const m = /^(xvd|sd|hd)([a-z]+)(\d*)$/.exec(vdev);
  if (!m) return undefined;
  let disk = 0;
  for (const ch of m[2]) disk = disk * 26 + (ch.charCodeAt(0) - 96);
  disk -= 1;
  const part = m[3] ? Number(m[3]) : 0;
  if (m[1] === "xvd") {
    if (disk < 16 && part < 16) return (202 << 8) | (disk << 4) | part;
    if (part < 256) return (1 << 28) | (disk << 8) | part;
    return undefined;
  }
  if (m[1] === "sd") return disk < 16 && part < 16 ? (8 << 8) | (disk << 4) | part : undefined;
  const hdMajors = [3, 22, 33, 34, 56, 57, 88, 89, 90, 91];
  if (disk >= hdMajors.length * 2 || part >= 64) return undefined;
  return (hdMajors[disk >> 1] << 8) | ((disk & 1) << 6) | part;
}

/** A disk= entry: device_disk_add(). */
export function addDisk(c: XsConnection, domid: number, disk: DiskSpec): Errno | undefined {
  const devid = diskDevNumber(disk.vdev);
  if (devid === undefined) return "EINVAL";
  const backend = disk.backend ?? "phy";
  const d: LibxlDevice = {
    kind: "vbd",
    backendKind: backend === "phy" ? "vbd" : "qdisk",
    domid,
    devid,
    backendDomid: disk.backendDomid ?? 0,
  };
  const rw = disk.readwrite ?? true;
  const kind = disk.cdrom ? "cdrom" : "disk";
  const back: Kv[] = [];
  if (backend === "phy") back.push(["params", disk.target], ["script", scriptPath(disk.script ?? "block")]);
  else back.push(["params", `${disk.format ?? "raw"}:${disk.target}`]);
  back.push(
    ["frontend-id", String(domid)],
    ["online", "1"],
    ["removable", disk.cdrom ? "1" : "0"],
    ["bootable", "1"],
    ["state", INITIALISING],
    ["dev", disk.vdev],
    ["type", backend],
    ["mode", rw ? "w" : "r"],
    ["device-type", kind],
    ["discard-enable", rw ? "1" : "0"],
  );
  const front: Kv[] = [
    ["backend-id", String(d.backendDomid)],
    ["state", INITIALISING],
    ["virtual-device", String(devid)],
    ["device-type", kind],
    ["trusted", "1"],
  ];
  if ((disk.guestType ?? "pv") === "pv") front.push(["protocol", "x86_64-abi"]);
  return c.inTransaction((tx) => deviceGenericAdd(c, tx, d, back, front, undefined));
}

export interface UsbCtrlSpec {
  devid: number;
  /** 1 = USB 1.1, 2 = USB 2.0 (usb-ver). */
  version?: 1 | 2;
  /** 1..31 ports (num-ports). */
  ports?: number;
  /** libxl_usbctrl_type: pv (in-kernel back end), qusb (QEMU), devicemodel (emulated, libxl path only). */
  type?: "pv" | "qusb" | "devicemodel";
  backendDomid?: number;
}

export function usbCtrlDevice(domid: number, ctrl: UsbCtrlSpec): LibxlDevice {
  const type = ctrl.type ?? "pv";
  return {
    kind: "vusb",
    backendKind: type === "qusb" ? "qusb" : type === "pv" ? "vusb" : "none",
    domid,
    devid: ctrl.devid,
    backendDomid: ctrl.backendDomid ?? 0,
  };
}

/** A usbctrl= entry: libxl__device_usbctrl_add_xenstore(). */
export function addUsbCtrl(c: XsConnection, domid: number, ctrl: UsbCtrlSpec): Errno | undefined {
  const d = usbCtrlDevice(domid, ctrl);
  const ports = ctrl.ports ?? 8;
  if (ports < 1 || ports > 31) return "EINVAL";
  const libxlOnly = d.backendKind === "none";
  const { back, front } = libxlOnly ? { back: [] as Kv[], front: undefined } : baseKeys(d);
  back.push(
    ["type", ctrl.type ?? "pv"],
    ["usb-ver", String(ctrl.version ?? 2)],
    ["num-ports", String(ports)],
    ["port", ""],
  );
  for (let i = 1; i <= ports; i++) back.push([`port/${i}`, ""]);
  return c.inTransaction((tx) => {
    if (!libxlOnly) return deviceGenericAdd(c, tx, d, back, front, undefined);
    const lx = libxlPath(d);
    c.rm(lx, tx);
    for (const [k, v] of back) c.write(`${lx}/${k}`, v, tx);
    return undefined;
  });
}

/**
 * A usbdev= entry on controller `ctrl`, port `port`: libxl writes the host device's bus
 * id (e.g. "3-1.5") to the back end's port/<port> (the libxl path for devicemodel).
 */
export function attachUsbDev(
  c: XsConnection,
  domid: number,
  ctrl: UsbCtrlSpec,
  port: number,
  busid: string,
): Errno | undefined {
  const d = usbCtrlDevice(domid, ctrl);
  const base = d.backendKind === "none" ? libxlPath(d) : backendPath(d);
  return c.inTransaction((tx) => c.write(`${base}/port/${port}`, busid, tx));
}

export interface ConsoleSpec {
  /** Event channel (state->console_port) and ring frame (state->console_mfn). */
  port: number;
  mfn: number;
  backendDomid?: number;
  output?: string;
}

/** LIBXL_XENCONSOLE_LIMIT and LIBXL_XENCONSOLE_PROTOCOL. */
const CONSOLE_LIMIT = 1048576;
const CONSOLE_PROTOCOL = "vt100";

/** The PV console 0: libxl__device_console_add() with a build state. */
export function addConsole(c: XsConnection, domid: number, con: ConsoleSpec): Errno | undefined {
  const d: LibxlDevice = {
    kind: "console",
    backendKind: "console",
    domid,
    devid: 0,
    backendDomid: con.backendDomid ?? 0,
  };
  const back: Kv[] = [
    ["frontend-id", String(domid)],
    ["online", "1"],
    ["state", INITIALISING],
    ["protocol", CONSOLE_PROTOCOL],
  ];
  const front: Kv[] = [["backend-id", String(d.backendDomid)]];
  const roFront: Kv[] = [
    ["limit", String(CONSOLE_LIMIT)],
    ["type", "xenconsoled"],
    ["output", con.output ?? "pty"],
    ["tty", ""],
    ["port", String(con.port)],
    ["ring-ref", String(con.mfn)],
  ];
  return c.inTransaction((tx) => deviceGenericAdd(c, tx, d, back, front, roFront));
}

/** libxl__device_destroy(): the device's front-end, back-end and libxl directories go. */
export function destroyDevicePaths(c: XsConnection, d: LibxlDevice): Errno | undefined {
  return c.inTransaction((tx) => {
    if (!(d.kind === "console" && d.devid === 0)) c.rm(frontendPath(d), tx);
    if (d.backendKind !== "none") c.rm(backendPath(d), tx);
    c.rm(libxlPath(d), tx);
    return undefined;
  });
}

/**
 * xl device-detach / domain teardown (libxl__initiate_device_generic_remove): set the
 * back end offline and Closing in one transaction, wait for it to report Closed, then
 * remove the directories. `done` runs after removal.
 */
export function removeDevice(c: XsConnection, d: LibxlDevice, done?: () => void): Errno | undefined {
  const be = backendPath(d);
  const tok = `xl/remove${be}`;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    c.unwatch(`${be}/state`, tok);
    destroyDevicePaths(c, d);
    done?.();
  };
  const prev = c.sink.event;
  c.sink = {
    ...c.sink,
    event: (path, t) => {
      if (t !== tok) return prev?.(path, t);
      if (!finished && readState(c, `${be}/state`) === XenbusState.Closed) finish();
    },
  };
  const err = c.inTransaction((tx) => {
    const state = c.readString(`${be}/state`, tx);
    if (isErrno(state)) return state;
    const e = c.write(`${be}/online`, "0", tx);
    if (e) return e;
    if (state !== String(XenbusState.Closed)) return c.write(`${be}/state`, String(XenbusState.Closing), tx);
    return undefined;
  });
  if (err) return err;
  return c.watch(`${be}/state`, tok);
}
