/**
 * The two xenbus drivers of a device and the toolstack's hotplug step, each reacting to
 * watch events on its own xenstore connection. See xenbus.ts for the handshake and its
 * sources, xenbus-profiles.ts for the keys each device type writes.
 *
 * Effects are injected (STYLE 2): `defer` decides when a reaction runs (default: at
 * once, inside the daemon's event delivery; the twin passes a function that schedules
 * it on the kernel after a modelled latency). Nothing here reads a clock.
 */
import { readState, switchState, XenbusState, type XenbusTrace } from "./xenbus.js";
import { counterAllocator, type XenbusAllocator, type XenbusProfile } from "./xenbus-profiles.js";
import type { XsConnection } from "./xenstore/xs-connection.js";
import { isErrno } from "./xenstore/xs-wire.js";

export interface XenbusDriverOptions {
  trace?: XenbusTrace;
  /** Runs a reaction; default immediately. */
  defer?: (run: () => void) => void;
}

const now = (run: () => void): void => run();

/** Watch tokens are per driver and device, so several devices can share a connection. */
function token(kind: string, role: string, path: string): string {
  return `xenbus/${role}/${kind}${path}`;
}

/** Back-end driver (netback, blkback, usb back end) for one device, in the back-end domain. */
export class XenbusBackendDriver {
  private probed = false;
  private unregistered = false;
  private readonly tok: string;
  private frontendPath: string | undefined;
  private readonly defer: (run: () => void) => void;

  constructor(
    private readonly conn: XsConnection,
    /** /local/domain/<backdom>/backend/<kind>/<domid>/<devid> */
    readonly backendPath: string,
    private readonly profile: XenbusProfile,
    private readonly opts: XenbusDriverOptions = {},
  ) {
    this.tok = token(profile.kind, "back", backendPath);
    this.defer = opts.defer ?? now;
  }

  get name(): string {
    return this.backendPath.split("/").slice(-3).join("/");
  }

  /** Starts watching the device directory (the "probe" happens on the first event). */
  start(): void {
    const prev = this.conn.sink.event;
    this.conn.sink = {
      ...this.conn.sink,
      event: (path, tok) => {
        if (tok === this.tok) this.defer(() => this.react());
        else prev?.(path, tok);
      },
    };
    const err = this.conn.watch(this.backendPath, this.tok);
    if (err) throw new Error(`backend ${this.name}: cannot watch ${this.backendPath}: ${err}`);
  }

  get isUnregistered(): boolean {
    return this.unregistered;
  }

  private react(): void {
    if (this.unregistered) return;
    const c = this.conn;
    const be = this.backendPath;
    const state = readState(c, `${be}/state`);
    if (state === XenbusState.Unknown) return; // directory not there (yet / any more)
    if (!this.frontendPath) {
      const fe = c.readString(`${be}/frontend`);
      if (isErrno(fe)) return;
      this.frontendPath = fe;
      const err = c.watch(`${fe}/state`, this.tok);
      if (err && err !== "EEXIST") throw new Error(`backend ${this.name}: cannot watch ${fe}/state: ${err}`);
    }
    const fe = this.frontendPath;
    const feState = readState(c, `${fe}/state`);
    const online = c.readString(`${be}/online`) === "1";
    const to = (s: number) => switchState(c, be, "backend", s, this.opts.trace, this.name);

    if (state === XenbusState.Initialising && !this.probed) {
      this.probed = true;
      for (const [k, v] of this.profile.backendProbeKeys) c.write(`${be}/${k}`, v);
      to(XenbusState.InitWait);
      return;
    }
    // The front end closed (or vanished while connected): follow, and go away if offline.
    if (
      feState === XenbusState.Closed ||
      (feState === XenbusState.Unknown && state === XenbusState.Connected)
    ) {
      if (state !== XenbusState.Closed) {
        if (state !== XenbusState.Closing) to(XenbusState.Closing);
        to(XenbusState.Closed);
      }
      if (!online) this.unregister();
      return;
    }
    if (feState === XenbusState.Closing) {
      if (state !== XenbusState.Closing && state !== XenbusState.Closed) to(XenbusState.Closing);
      return;
    }
    if (feState === XenbusState.Initialising && state === XenbusState.Closed && online) {
      to(XenbusState.InitWait); // the front end is reconnecting
      return;
    }
    if (state === XenbusState.InitWait && this.profile.backendConnectsOn.includes(feState)) {
      if (!this.hotplugDone()) return;
      for (const [k, v] of this.profile.backendConnectKeys) c.write(`${be}/${k}`, v);
      to(XenbusState.Connected);
    }
  }

  private hotplugDone(): boolean {
    for (const k of this.profile.hotplugKeys) {
      const v = this.conn.readString(`${this.backendPath}/${k}`);
      if (isErrno(v) || v === "") return false;
      if (k === "hotplug-status" && v !== "connected") return false;
    }
    return true;
  }

  private unregister(): void {
    this.unregistered = true;
    this.conn.unwatch(this.backendPath, this.tok);
    if (this.frontendPath) this.conn.unwatch(`${this.frontendPath}/state`, this.tok);
  }
}

/** Front-end driver (netfront, blkfront, xen-hcd) for one device, in the guest. */
export class XenbusFrontendDriver {
  private readonly tok: string;
  private backendPath: string | undefined;
  private readonly defer: (run: () => void) => void;
  private readonly alloc: XenbusAllocator;
  stopped = false;

  constructor(
    private readonly conn: XsConnection,
    /** /local/domain/<domid>/device/<kind>/<devid> */
    readonly frontendPath: string,
    private readonly profile: XenbusProfile,
    private readonly opts: XenbusDriverOptions & { alloc?: XenbusAllocator } = {},
  ) {
    this.tok = token(profile.kind, "front", frontendPath);
    this.defer = opts.defer ?? now;
    this.alloc = opts.alloc ?? counterAllocator();
  }

  get name(): string {
    return this.frontendPath.split("/").slice(-2).join("/");
  }

  start(): void {
    const prev = this.conn.sink.event;
    this.conn.sink = {
      ...this.conn.sink,
      event: (path, tok) => {
        if (tok === this.tok) this.defer(() => this.react());
        else prev?.(path, tok);
      },
    };
    const be = this.conn.readString(`${this.frontendPath}/backend`);
    if (isErrno(be))
      throw new Error(`frontend ${this.name}: cannot read ${this.frontendPath}/backend: ${be}`);
    this.backendPath = be;
    const err = this.conn.watch(`${be}/state`, this.tok);
    if (err) throw new Error(`frontend ${this.name}: cannot watch ${be}/state: ${err}`);
  }

  /** The guest unloads its driver: the front end goes Closing; the handshake then closes both sides. */
  close(): void {
    switchState(this.conn, this.frontendPath, "frontend", XenbusState.Closing, this.opts.trace, this.name);
  }

  /** Returns a closed front end to Initialising: the back end reconnects. */
  reconnect(): void {
    switchState(
      this.conn,
      this.frontendPath,
      "frontend",
      XenbusState.Initialising,
      this.opts.trace,
      this.name,
    );
  }

  private react(): void {
    if (this.stopped || !this.backendPath) return;
    const c = this.conn;
    const fe = this.frontendPath;
    const be = readState(c, `${this.backendPath}/state`);
    const state = readState(c, `${fe}/state`);
    if (state === XenbusState.Unknown) return;
    const to = (s: number) => switchState(c, fe, "frontend", s, this.opts.trace, this.name);

    if (be === XenbusState.InitWait && state === XenbusState.Initialising) {
      const keys = this.profile.frontendKeys(this.alloc);
      const err = c.inTransaction((tx) => {
        for (const [k, v] of keys) {
          const e = c.write(`${fe}/${k}`, v, tx);
          if (e) return e;
        }
        return undefined;
      });
      if (err) throw new Error(`frontend ${this.name}: writing ring keys failed: ${err}`);
      to(this.profile.frontendReady);
      return;
    }
    if (be === XenbusState.Connected && state === XenbusState.Initialised) {
      to(XenbusState.Connected);
      return;
    }
    if ((be === XenbusState.Closing || be === XenbusState.Closed) && state !== XenbusState.Closed) {
      if (state !== XenbusState.Closing && state !== XenbusState.Initialising) to(XenbusState.Closing);
      to(XenbusState.Closed);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.backendPath) this.conn.unwatch(`${this.backendPath}/state`, this.tok);
  }
}

/**
 * The toolstack's hotplug step (libxl__wait_device_connection + the hotplug script):
 * once the back end is in InitWait, write `hotplug-status = connected`, and for a vbd
 * the `physical-device` (major:minor in hex, as the block script does).
 */
export class XlHotplug {
  private readonly tok: string;
  private done = false;
  private readonly defer: (run: () => void) => void;

  constructor(
    private readonly conn: XsConnection,
    readonly backendPath: string,
    private readonly kind: string,
    private readonly physicalDevice = "fe:0",
    opts: XenbusDriverOptions = {},
  ) {
    this.tok = token(kind, "hotplug", backendPath);
    this.defer = opts.defer ?? now;
  }

  start(): void {
    const prev = this.conn.sink.event;
    this.conn.sink = {
      ...this.conn.sink,
      event: (path, tok) => {
        if (tok === this.tok) this.defer(() => this.react());
        else prev?.(path, tok);
      },
    };
    const err = this.conn.watch(`${this.backendPath}/state`, this.tok);
    if (err) throw new Error(`hotplug ${this.backendPath}: cannot watch: ${err}`);
  }

  private react(): void {
    if (this.done) return;
    if (readState(this.conn, `${this.backendPath}/state`) !== XenbusState.InitWait) return;
    this.done = true;
    this.conn.unwatch(`${this.backendPath}/state`, this.tok);
    if (this.kind === "vbd") this.conn.write(`${this.backendPath}/physical-device`, this.physicalDevice);
    if (this.kind !== "vusb") this.conn.write(`${this.backendPath}/hotplug-status`, "connected");
  }
}
