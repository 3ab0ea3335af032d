/**
 * What each device type's drivers write during the xenbus handshake.
 *
 * Sources (Linux, read for the keys and their order):
 * - vif: `drivers/net/xen-netback/xenbus.c` netback_probe() (feature keys, then
 *   InitWait), `drivers/net/xen-netfront.c` talk_to_netback() (ring refs, event
 *   channel, request-rx-copy and features, in one transaction, then Connected);
 *   spec interfaces.md 5.2.
 * - vbd: `drivers/block/xen-blkback/xenbus.c` xen_blkbk_probe() and connect() (sectors,
 *   info, sector-size ... then Connected), `drivers/block/xen-blkfront.c`
 *   talk_to_blkback() (ring-ref, event-channel, protocol, then Initialised).
 * - vusb: `drivers/usb/host/xen-hcd.c` (urb-ring-ref, conn-ring-ref, event-channel;
 *   one event channel for both rings; spec 5.1). Assumption: the front end reports
 *   Initialised and waits for the back end, as blkfront does.
 * Values that depend on the guest (grant references, event-channel ports) come from an
 * allocator the caller provides; the default hands out small deterministic numbers.
 */
import { XenbusState } from "./xenbus.js";

export type XenbusDeviceKind = "vif" | "vbd" | "vusb";

/** Grant references and event channels for a front end's rings. */
export interface XenbusAllocator {
  grantRef(): number;
  evtchnPort(): number;
}

/** Deterministic stand-in: grant refs from 8 (0-7 are reserved), ports from 10. */
export function counterAllocator(firstRef = 8, firstPort = 10): XenbusAllocator {
  let ref = firstRef;
  let port = firstPort;
  return { grantRef: () => ref++, evtchnPort: () => port++ };
}

export interface XenbusProfile {
  kind: XenbusDeviceKind;
  /** Back end, on probe, before InitWait. */
  backendProbeKeys: readonly (readonly [string, string])[];
  /** Back-end keys the hotplug script must have written before the back end connects. */
  hotplugKeys: readonly string[];
  /** Front end, on seeing InitWait (written in one transaction). */
  frontendKeys(alloc: XenbusAllocator): (readonly [string, string])[];
  /** The front end's state after writing its keys. */
  frontendReady: number;
  /** Front-end states in which the back end connects. */
  backendConnectsOn: readonly number[];
  /** Back end, just before Connected. */
  backendConnectKeys: readonly (readonly [string, string])[];
}

/** 1 GiB of 512-byte sectors, the default disk size when none is given. */
export const DEFAULT_SECTORS = 2097152;

export function profileFor(
  kind: XenbusDeviceKind,
  opts: { sectors?: number; readonly?: boolean } = {},
): XenbusProfile {
  switch (kind) {
    case "vif":
      return {
        kind,
        backendProbeKeys: [
          ["feature-sg", "1"],
          ["feature-gso-tcpv4", "1"],
          ["feature-gso-tcpv6", "1"],
          ["feature-ipv6-csum-offload", "1"],
          ["feature-rx-copy", "1"],
          ["feature-rx-flip", "0"],
          ["feature-multicast-control", "1"],
          ["feature-dynamic-multicast-control", "1"],
          ["feature-split-event-channels", "1"],
          ["multi-queue-max-queues", "1"],
          ["feature-ctrl-ring", "1"],
        ],
        hotplugKeys: ["hotplug-status"],
        frontendKeys: (a) => [
          ["tx-ring-ref", String(a.grantRef())],
          ["rx-ring-ref", String(a.grantRef())],
          ["event-channel", String(a.evtchnPort())],
          ["request-rx-copy", "1"],
          ["feature-rx-notify", "1"],
          ["feature-sg", "1"],
          ["feature-gso-tcpv4", "1"],
          ["feature-gso-tcpv6", "1"],
          ["feature-ipv6-csum-offload", "1"],
        ],
        frontendReady: XenbusState.Connected,
        backendConnectsOn: [XenbusState.Connected],
        backendConnectKeys: [],
      };
    case "vbd":
      return {
        kind,
        backendProbeKeys: [
          ["feature-max-indirect-segments", "256"],
          ["multi-queue-max-queues", "1"],
          ["max-ring-page-order", "4"],
        ],
        hotplugKeys: ["hotplug-status", "physical-device"],
        frontendKeys: (a) => [
          ["ring-ref", String(a.grantRef())],
          ["event-channel", String(a.evtchnPort())],
          ["protocol", "x86_64-abi"],
          ["feature-persistent", "1"],
        ],
        frontendReady: XenbusState.Initialised,
        backendConnectsOn: [XenbusState.Initialised, XenbusState.Connected],
        backendConnectKeys: [
          ["feature-flush-cache", "1"],
          ["feature-persistent", "1"],
          ["sectors", String(opts.sectors ?? DEFAULT_SECTORS)],
          // VDISK_READONLY (4) in blkif.h for a read-only disk.
          ["info", opts.readonly ? "4" : "0"],
          ["sector-size", "512"],
          ["physical-sector-size", "512"],
        ],
      };
    case "vusb":
      return {
        kind,
        backendProbeKeys: [],
        hotplugKeys: [],
        frontendKeys: (a) => {
          const urb = a.grantRef();
          const conn = a.grantRef();
          return [
            ["urb-ring-ref", String(urb)],
            ["conn-ring-ref", String(conn)],
            ["event-channel", String(a.evtchnPort())],
          ];
        },
        frontendReady: XenbusState.Initialised,
        backendConnectsOn: [XenbusState.Initialised, XenbusState.Connected],
        backendConnectKeys: [],
      };
  }
}
