/**
 * An open queueing station on the kernel: arrivals from a distribution of inter-arrival
 * times, `servers` identical servers, FIFO waiting, and an optional limit on customers in
 * the station (K), beyond which arrivals are lost. It is the kernel's own validation
 * model (an M/M/1 run must match 1/(mu - lambda)) and the discrete-event check of the
 * analytic planners.
 *
 * Hot path (benchmarked through `kernel.hold` and the default scenario): arrivals and
 * completions are long-lived handlers with an integer argument (the server index);
 * waiting customers are arrival times in a ring of doubles; nothing is allocated per
 * customer once the ring has grown to the longest queue seen.
 */

import { BatchMeans } from "../kernel/batch-means.js";
import type { Distribution } from "../kernel/distributions.js";
import type { Kernel } from "../kernel/kernel.js";
import { LogHistogram } from "../kernel/log-histogram.js";
import { Summary } from "../kernel/summary.js";
import { TimeWeighted } from "../kernel/time-weighted.js";

export interface StationConfig {
  name: string;
  servers: number;
  /** Most customers in the station (waiting + in service); Infinity for no limit. */
  capacity: number;
  interarrival: Distribution;
  service: Distribution;
}

export class Station {
  // Counters since the last reset.
  arrivals = 0;
  lost = 0;
  completed = 0;
  readonly response = new Summary();
  readonly responseHist = new LogHistogram();
  readonly responseBatches = new BatchMeans();
  readonly waiting = new Summary();
  readonly inSystem: TimeWeighted;
  readonly busyServers: TimeWeighted;

  private readonly serverArrival: Float64Array;
  private readonly freeServers: Int32Array;
  private freeCount: number;
  private queue = new Float64Array(64);
  private qHead = 0;
  private qLen = 0;
  private nInSystem = 0;
  private readonly onArrival = (k: Kernel): void => this.arrive(k);
  private readonly onDeparture = (k: Kernel, server: number): void => this.depart(k, server);

  constructor(
    private readonly k: Kernel,
    readonly config: StationConfig,
  ) {
    this.serverArrival = new Float64Array(config.servers);
    this.freeServers = Int32Array.from({ length: config.servers }, (_, i) => config.servers - 1 - i);
    this.freeCount = config.servers;
    this.inSystem = new TimeWeighted(k.now, 0);
    this.busyServers = new TimeWeighted(k.now, 0);
  }

  /** Schedules the first arrival. */
  start(): void {
    this.k.at(this.config.interarrival.sample(), this.onArrival);
  }

  get customersInSystem(): number {
    return this.nInSystem;
  }

  private arrive(k: Kernel): void {
    k.at(this.config.interarrival.sample(), this.onArrival);
    this.arrivals++;
    if (this.nInSystem >= this.config.capacity) {
      this.lost++;
      return;
    }
    const now = k.now;
    this.nInSystem++;
    this.inSystem.set(now, this.nInSystem);
    if (this.freeCount > 0) this.serve(k, this.freeServers[--this.freeCount], now);
    else this.enqueue(now);
  }

  private serve(k: Kernel, server: number, arrivedAt: number): void {
    const now = k.now;
    this.serverArrival[server] = arrivedAt;
    this.waiting.add(now - arrivedAt);
    this.busyServers.set(now, this.config.servers - this.freeCount);
    k.at(this.config.service.sample(), this.onDeparture, server);
  }

  private depart(k: Kernel, server: number): void {
    const now = k.now;
    const r = now - this.serverArrival[server];
    this.completed++;
    this.response.add(r);
    this.responseHist.add(r);
    this.responseBatches.add(r);
    this.nInSystem--;
    this.inSystem.set(now, this.nInSystem);
    if (this.qLen > 0) {
      this.serve(k, server, this.dequeue());
    } else {
      this.freeServers[this.freeCount++] = server;
      this.busyServers.set(now, this.config.servers - this.freeCount);
    }
  }

  private enqueue(t: number): void {
    if (this.qLen === this.queue.length) this.growQueue();
    this.queue[(this.qHead + this.qLen) & (this.queue.length - 1)] = t;
    this.qLen++;
  }

  private dequeue(): number {
    const t = this.queue[this.qHead];
    this.qHead = (this.qHead + 1) & (this.queue.length - 1);
    this.qLen--;
    return t;
  }

  /** Doubles the ring (its length stays a power of two), keeping FIFO order. */
  private growQueue(): void {
    const bigger = new Float64Array(this.queue.length * 2);
    for (let i = 0; i < this.qLen; i++) bigger[i] = this.queue[(this.qHead + i) & (this.queue.length - 1)];
    this.queue = bigger;
    this.qHead = 0;
  }

  /** End of warm-up: forget statistics, keep the customers where they are. */
  resetStats(now: number): void {
    this.arrivals = 0;
    this.lost = 0;
    this.completed = 0;
    this.response.reset();
    this.responseHist.reset();
    this.waiting.reset();
    this.inSystem.reset(now);
    this.busyServers.reset(now);
    this.responseBatches.reset();
  }
}
