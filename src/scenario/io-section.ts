/**
 * The scenario's PV I/O fields (src/io): a host's `io` section (physical NIC, netback
 * model, grant and event-channel limits, cost-table overrides), a domain's `netfront`
 * options (smart polling), and the network workloads (`net_stream`, `net_rr`) that
 * scenario-schema.ts adds to its workload union. Defaults and sources: src/io/README.md.
 */
import * as z from "zod";
import { IO_COST_PARAMS } from "../io/io-costs.js";
import { NETBACK_MODELS } from "../io/netback.js";
import { Bitrate, Duration, Frequency, PositiveInt, Rate, Size } from "./schema-parts.js";

const costShape = Object.fromEntries(IO_COST_PARAMS.map((p) => [p.key, Duration.optional()])) as Record<
  (typeof IO_COST_PARAMS)[number]["key"],
  z.ZodOptional<typeof Duration>
>;

export const HostIo = z.strictObject({
  nic: z
    .strictObject({
      /** Line rate of the physical port. */
      speed: Bitrate.default(10e9),
      /** One-way wire and switch latency to the peers. */
      latency: Duration.default(5000),
      /** RX descriptors. */
      rx_ring: PositiveInt.default(256),
      /** Interrupt throttle rate (most interrupts per second). */
      itr: Rate.default(20000),
      /** dom0 vCPU the NIC's interrupt is bound to. */
      irq_vcpu: z.int().min(0).default(0),
    })
    .default({ speed: 10e9, latency: 5000, rx_ring: 256, itr: 20000, irq_vcpu: 0 }),
  netback: z
    .strictObject({
      /** tasklet-pair: 2009's one global tasklet pair; groups: one group per dom0 vCPU (Yang's change). */
      model: z.enum(NETBACK_MODELS).default("tasklet-pair"),
      /** The VIF's queue length in dom0 (netbk_queue_length). */
      tx_queue_len: PositiveInt.default(32),
    })
    .default({ model: "tasklet-pair", tx_queue_len: 32 }),
  /** gnttab_max_frames (default: 32 up to Xen 4.9, 64 later). */
  max_grant_frames: PositiveInt.max(1024).optional(),
  /** Per-domain event channels (max_event_channels; libxl's default 1023). */
  max_event_channels: PositiveInt.max(4095).default(1023),
  /** Cost-table overrides, each a duration per operation (src/io/io-costs.ts). */
  costs: z.strictObject(costShape).default({}),
});

const SmartPoll = z.strictObject({
  /** Poll timer frequency while traffic flows. */
  frequency: Frequency.default(1000),
  /** Empty polls before the front end stops polling and asks for notifications again. */
  idle_polls: PositiveInt.default(10),
});

/** netfront options of one VIF. */
export const NetfrontOptions = z.strictObject({
  /** Smart polling (7cf56794ba): false, true (defaults) or { frequency, idle_polls }. */
  smart_poll: z.union([z.boolean(), SmartPoll]).default(false),
  /** Guest vCPU that takes the VIF's interrupt. */
  irq_vcpu: z.int().min(0).default(0),
});

export const NetStreamWorkload = z.strictObject({
  type: z.literal("net_stream"),
  /** VIF index in the domain's `vif` list. */
  vif: z.int().min(0).default(0),
  /** rx: an external peer sends to the guest; tx: the guest sends to it. */
  direction: z.enum(["rx", "tx"]).default("rx"),
  /** Ethernet frame size (1514 B for a 1500 MTU). */
  packet: Size.default(1514),
  /** TCP-like: bytes unacknowledged (the socket buffer). Give this or `rate`. */
  window: Size.optional(),
  /** Fixed rate (UDP-like), as a bit rate of frames. */
  rate: Bitrate.optional(),
  /** Frames per send() on the guest side (a 64 KiB write is 44 frames). */
  burst: PositiveInt.default(44),
  /** Acknowledge every n frames (TCP's delayed ACK: 2). */
  ack_every: PositiveInt.default(2),
});

export const NetRrWorkload = z.strictObject({
  type: z.literal("net_rr"),
  vif: z.int().min(0).default(0),
  request: Size.default(64),
  response: Size.default(64),
  /** The guest's CPU per request. */
  service: Duration.default(10_000),
  /** The peer's pause between a response and its next request. */
  think: Duration.default(0),
});

export type HostIoSpec = z.output<typeof HostIo>;
export type NetfrontSpec = z.output<typeof NetfrontOptions>;
