/**
 * A request-serving guest: a web server. Requests arrive (Poisson or any inter-arrival
 * distribution) into a FIFO queue inside the guest; each needs a service time of CPU.
 * The vCPUs of the domain share one queue: an arrival wakes a waiting (blocked) vCPU,
 * the lowest-numbered one, as a guest kernel routes the interrupt; a vCPU that finishes
 * a request takes the next or blocks when the queue is empty.
 *
 * Measured per domain: arrivals, completions, response times (arrival to completion,
 * queueing in the guest and waiting for the vCPU included) and requests in the guest.
 */
import type { Distribution } from "../kernel/distributions.js";
import type { Kernel, Timer } from "../kernel/kernel.js";
import { LogHistogram } from "../kernel/log-histogram.js";
import { TimeWeighted } from "../kernel/time-weighted.js";
import type { GuestOps, GuestProgram } from "./guest-driver.js";

/** Queue room; a full queue drops arrivals (counted), as a listen backlog would. */
const QUEUE_SIZE = 1 << 16;

/** The queue shared by the vCPUs of one request-serving domain. */
export class RequestQueue {
  private readonly arrivedAt = new Float64Array(QUEUE_SIZE);
  private head = 0;
  private count = 0;
  private readonly servers: RequestServer[] = [];
  private timer!: Timer;
  arrivals = 0;
  completed = 0;
  dropped = 0;
  readonly response = new LogHistogram();
  inGuest!: TimeWeighted;

  constructor(
    readonly name: string,
    private readonly interarrival: Distribution,
    private readonly service: Distribution,
  ) {}

  /** Offered load in pCPUs (arrival rate x mean service time). */
  get load(): number {
    return this.service.mean / this.interarrival.mean;
  }

  get serverCount(): number {
    return this.servers.length;
  }

  /** A program for one more vCPU of the domain. */
  server(): RequestServer {
    const s = new RequestServer(this, this.servers.length);
    this.servers.push(s);
    return s;
  }

  /** Called by the first server's start. */
  begin(ops: GuestOps): void {
    if (this.timer) return;
    this.inGuest = new TimeWeighted(ops.k.now, 0);
    this.timer = ops.k.timer(this.onArrival, 0);
    this.timer.set(this.interarrival.sample());
  }

  private readonly onArrival = (k: Kernel): void => {
    this.timer.set(this.interarrival.sample());
    this.arrivals++;
    if (this.count === QUEUE_SIZE) {
      this.dropped++;
      return;
    }
    this.arrivedAt[(this.head + this.count) % QUEUE_SIZE] = k.now;
    this.count++;
    this.inGuest.add(k.now, 1);
    for (const s of this.servers) {
      if (s.waiting) {
        s.take();
        break;
      }
    }
  };

  /** Takes the oldest request; returns its arrival time, or -1 if none. */
  pop(): number {
    if (this.count === 0) return -1;
    const t = this.arrivedAt[this.head];
    this.head = (this.head + 1) % QUEUE_SIZE;
    this.count--;
    return t;
  }

  sampleService(): number {
    return this.service.sample();
  }

  finish(arrivedAt: number, now: number): void {
    this.completed++;
    this.response.add(now - arrivedAt);
    this.inGuest.add(now, -1);
  }

  resetStats(now: number): void {
    this.arrivals = 0;
    this.completed = 0;
    this.dropped = 0;
    this.response.reset();
    this.inGuest.reset(now);
  }
}

/** One vCPU of a request-serving domain. */
export class RequestServer implements GuestProgram {
  readonly kind = "requests";
  private ops!: GuestOps;
  private v = 0;
  /** Arrival time of the request in service, -1 when none. */
  private current = -1;
  /** Blocked with nothing to do. */
  waiting = false;

  constructor(
    readonly queue: RequestQueue,
    readonly index: number,
  ) {}

  /** The domain's offered load is split evenly over its vCPUs for the fairness ideal. */
  get demand(): number {
    return Math.min(1, this.queue.load / this.queue.serverCount);
  }

  start(ops: GuestOps, v: number): void {
    this.ops = ops;
    this.v = v;
    this.queue.begin(ops);
    ops.setBurst(v, 0);
  }

  /** A request arrived for this waiting vCPU: take it and wake. */
  take(): void {
    this.waiting = false;
    this.next();
    this.ops.wake(this.v);
  }

  private next(): boolean {
    const t = this.queue.pop();
    this.current = t;
    if (t < 0) return false;
    this.ops.setBurst(this.v, this.queue.sampleService());
    return true;
  }

  burstDone(now: number): void {
    if (this.current >= 0) this.queue.finish(this.current, now);
    if (!this.next()) {
      this.waiting = true;
      this.ops.block(this.v);
    }
  }

  resetStats(): void {}
}
