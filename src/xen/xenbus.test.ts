/**
 * The xenbus handshake for vif, vbd and vusb: back end in dom0, front end in domain 1,
 * each on its own xenstore connection (real permission checks), the toolstack writing
 * the devices as libxl does. The whole transition trace is compared (STYLE 19).
 * Expected sequences: interfaces.md 4.2 (Linux netback/netfront, blkback/blkfront).
 */
import { describe, expect, it } from "vitest";
import { XenbusState, XenbusTrace, XenbusTransitionError, xenbusTransition } from "./xenbus.js";
import {
  backendPath,
  frontendPath,
  type LibxlDevice,
  libxlPath,
  removeDevice,
  usbCtrlDevice,
} from "./xenbus-devices.js";
import { XenbusBackendDriver, XenbusFrontendDriver, XlHotplug } from "./xenbus-drivers.js";
import { profileFor, type XenbusDeviceKind } from "./xenbus-profiles.js";
import { createDomainLikeXl } from "./xenstore/libxl-domain.js";
import { Xenstored } from "./xenstore/xenstored.js";
import { checkStore } from "./xenstore/xs-domain-ops.js";

function host() {
  const xs = new Xenstored();
  const toolstack = xs.connect(0);
  xs.domainCreated(1);
  const err = createDomainLikeXl(toolstack, {
    domid: 1,
    name: "guest",
    uuid: "00000000-0000-0000-0000-000000000001",
    vcpus: 1,
    memoryKiB: 262144,
    storePort: 1,
    storeMfn: 1000,
    startTime: 0,
    disks: [{ vdev: "xvda", target: "/dev/vg/guest" }],
    nics: [{ devid: 0, mac: "00:16:3e:00:00:01" }],
    usbctrls: [{ devid: 0, ports: 2 }],
  });
  expect(err).toBeUndefined();
  const backDom = xs.connect(0); // the back-end drivers' connection (dom0 kernel)
  const guest = xs.connect(1); // the guest kernel's connection
  return { xs, toolstack, backDom, guest };
}

const DEVICES: Record<XenbusDeviceKind, LibxlDevice> = {
  vif: { kind: "vif", backendKind: "vif", domid: 1, devid: 0, backendDomid: 0 },
  vbd: { kind: "vbd", backendKind: "vbd", domid: 1, devid: 51712, backendDomid: 0 },
  vusb: usbCtrlDevice(1, { devid: 0 }),
};

function connect(kind: XenbusDeviceKind) {
  const h = host();
  const trace = new XenbusTrace();
  const dev = DEVICES[kind];
  const profile = profileFor(kind);
  const hotplug = new XlHotplug(h.toolstack, backendPath(dev), kind);
  const back = new XenbusBackendDriver(h.backDom, backendPath(dev), profile, { trace });
  const front = new XenbusFrontendDriver(h.guest, frontendPath(dev), profile, { trace });
  hotplug.start();
  back.start();
  front.start();
  return { ...h, trace, dev, back, front };
}

const t = (device: string, side: string, from: string, to: string) => ({ device, side, from, to });
const strip = (tr: XenbusTrace) =>
  tr.events.map(({ device, side, from, to }) => ({ device, side, from, to }));

describe("the connect handshake", () => {
  it("vif: back end InitWait, netfront Connected, netback Connected", () => {
    const { trace, guest, backDom, dev } = connect("vif");
    expect(strip(trace)).toEqual([
      t("vif/1/0", "backend", "Initialising", "InitWait"),
      t("vif/0", "frontend", "Initialising", "Connected"),
      t("vif/1/0", "backend", "InitWait", "Connected"),
    ]);
    const fe = frontendPath(dev);
    expect(guest.readString(`${fe}/tx-ring-ref`)).toBe("8");
    expect(guest.readString(`${fe}/rx-ring-ref`)).toBe("9");
    expect(guest.readString(`${fe}/event-channel`)).toBe("10");
    expect(guest.readString(`${fe}/request-rx-copy`)).toBe("1");
    expect(backDom.readString(`${backendPath(dev)}/hotplug-status`)).toBe("connected");
    expect(backDom.readString(`${backendPath(dev)}/feature-rx-copy`)).toBe("1");
    // the guest may read its back end, not write it
    expect(guest.readString(`${backendPath(dev)}/state`)).toBe(String(XenbusState.Connected));
    expect(guest.write(`${backendPath(dev)}/state`, "6")).toBe("EACCES");
  });

  it("vbd: blkfront Initialised, blkback Connected with the disk geometry, blkfront Connected", () => {
    const { trace, backDom, dev } = connect("vbd");
    expect(strip(trace)).toEqual([
      t("vbd/1/51712", "backend", "Initialising", "InitWait"),
      t("vbd/51712", "frontend", "Initialising", "Initialised"),
      t("vbd/1/51712", "backend", "InitWait", "Connected"),
      t("vbd/51712", "frontend", "Initialised", "Connected"),
    ]);
    const be = backendPath(dev);
    expect(backDom.readString(`${be}/physical-device`)).toBe("fe:0");
    expect(backDom.readString(`${be}/sectors`)).toBe("2097152");
    expect(backDom.readString(`${frontendPath(dev)}/ring-ref`)).toBe("8");
  });

  it("vusb: xen-hcd Initialised, back end Connected, front end Connected", () => {
    const { trace, guest, dev } = connect("vusb");
    expect(strip(trace)).toEqual([
      t("vusb/1/0", "backend", "Initialising", "InitWait"),
      t("vusb/0", "frontend", "Initialising", "Initialised"),
      t("vusb/1/0", "backend", "InitWait", "Connected"),
      t("vusb/0", "frontend", "Initialised", "Connected"),
    ]);
    const fe = frontendPath(dev);
    expect([
      guest.readString(`${fe}/urb-ring-ref`),
      guest.readString(`${fe}/conn-ring-ref`),
      guest.readString(`${fe}/event-channel`),
    ]).toEqual(["8", "9", "10"]);
  });
});

describe("teardown and reconnect", () => {
  it("xl removes a device: back end offline and Closing, front end Closing then Closed, back end Closed, directories removed", () => {
    const { xs, trace, toolstack, back, dev } = connect("vif");
    trace.events.length = 0;
    let removed = false;
    expect(removeDevice(toolstack, dev, () => (removed = true))).toBeUndefined();
    expect(strip(trace)).toEqual([
      t("vif/0", "frontend", "Connected", "Closing"),
      t("vif/0", "frontend", "Closing", "Closed"),
      t("vif/1/0", "backend", "Closing", "Closed"),
    ]);
    expect(removed).toBe(true);
    expect(back.isUnregistered).toBe(true);
    for (const p of [frontendPath(dev), backendPath(dev), libxlPath(dev)])
      expect(toolstack.read(p)).toBe("ENOENT");
    expect(checkStore(xs)).toBeUndefined();
  });

  it("a front end that closes and returns to Initialising reconnects through InitWait", () => {
    const { trace, front } = connect("vbd");
    trace.events.length = 0;
    front.close(); // the guest unloads its driver; the back end stays online
    front.reconnect();
    expect(strip(trace)).toEqual([
      t("vbd/51712", "frontend", "Connected", "Closing"),
      t("vbd/1/51712", "backend", "Connected", "Closing"),
      t("vbd/51712", "frontend", "Closing", "Closed"),
      t("vbd/1/51712", "backend", "Closing", "Closed"),
      t("vbd/51712", "frontend", "Closed", "Initialising"),
      t("vbd/1/51712", "backend", "Closed", "InitWait"),
      t("vbd/51712", "frontend", "Initialising", "Initialised"),
      t("vbd/1/51712", "backend", "InitWait", "Connected"),
      t("vbd/51712", "frontend", "Initialised", "Connected"),
    ]);
  });

  it("deferred reactions (as the twin schedules them) reach the same end state", () => {
    const h = host();
    const queue: Array<() => void> = [];
    const defer = (run: () => void) => queue.push(run);
    const trace = new XenbusTrace();
    const dev = DEVICES.vif;
    const profile = profileFor("vif");
    new XlHotplug(h.toolstack, backendPath(dev), "vif", "fe:0", { defer }).start();
    new XenbusBackendDriver(h.backDom, backendPath(dev), profile, { trace, defer }).start();
    new XenbusFrontendDriver(h.guest, frontendPath(dev), profile, { trace, defer }).start();
    let steps = 0;
    while (queue.length > 0 && steps++ < 1000) queue.shift()!();
    expect(trace.events.map((e) => `${e.side}:${e.to}`)).toEqual([
      "backend:InitWait",
      "frontend:Connected",
      "backend:Connected",
    ]);
  });
});

describe("the state machine", () => {
  it("refuses edges the drivers never take", () => {
    expect(xenbusTransition("backend", XenbusState.Initialising, XenbusState.InitWait)).toBe(
      XenbusState.InitWait,
    );
    expect(() => xenbusTransition("backend", XenbusState.Initialising, XenbusState.Initialised)).toThrow(
      XenbusTransitionError,
    );
    expect(() => xenbusTransition("frontend", XenbusState.Initialising, XenbusState.InitWait)).toThrow(
      /frontend: illegal xenbus transition Initialising -> InitWait/,
    );
    expect(() => xenbusTransition("frontend", XenbusState.Closed, XenbusState.Connected)).toThrow(
      XenbusTransitionError,
    );
    expect(() => xenbusTransition("backend", XenbusState.Connected, XenbusState.InitWait)).toThrow(
      XenbusTransitionError,
    );
  });
});
