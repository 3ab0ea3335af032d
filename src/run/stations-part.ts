/**
 * The scenario's queueing stations as a model part: builds them, and reports per station
 * the measured throughput, utilisation, response-time distribution with its 95%
 * interval, and loss, next to the exact M/M/c/K values when both distributions are
 * exponential (the kernel's validation).
 */
import type { Kernel } from "../kernel/kernel.js";
import { PeriodMeanSampler, TimeSeries } from "../kernel/time-series.js";
import { mmck } from "../queueing/markov-queue.js";
import { Station } from "../queueing/station.js";
import type { StationSpec } from "../scenario/scenario-schema.js";
import { buildArrivals, buildTimeDistribution } from "./build-distribution.js";
import type { ModelPart, PartResults } from "./model-part.js";
import { type ChartRecord, type MetricRecord, num } from "./results.js";

const NS = 1e9;

export class StationsPart implements ModelPart {
  private readonly stations: Station[] = [];
  private readonly samplers: PeriodMeanSampler[] = [];
  private measuredFrom = 0;

  constructor(
    private readonly specs: readonly StationSpec[],
    private readonly samplePeriod: number,
  ) {}

  start(k: Kernel): void {
    for (const spec of this.specs) {
      const st = new Station(k, {
        name: spec.name,
        servers: spec.servers,
        capacity: spec.capacity ?? Number.POSITIVE_INFINITY,
        interarrival: buildArrivals(spec.arrivals, k.rng(`station/${spec.name}/arrivals`)),
        service: buildTimeDistribution(spec.service, k.rng(`station/${spec.name}/service`)),
      });
      st.start();
      this.stations.push(st);
      const series = new TimeSeries(`${spec.name}`, "customers", this.samplePeriod, k.now);
      this.samplers.push(new PeriodMeanSampler(st.inSystem, series, this.samplePeriod, k.now));
    }
  }

  resetStats(now: number): void {
    this.measuredFrom = now;
    for (const st of this.stations) st.resetStats(now);
  }

  sample(now: number): void {
    for (const s of this.samplers) s.sample(now);
  }

  collect(now: number): PartResults {
    const span = (now - this.measuredFrom) / NS;
    const metrics: MetricRecord[] = [];
    const rows: (string | number | null)[][] = [];
    const cdfSeries: ChartRecord["series"] = [];
    this.stations.forEach((st, i) => {
      const spec = this.specs[i];
      const exact = markovExpectation(spec);
      const entity = `station/${spec.name}`;
      const ci = st.responseBatches.interval();
      const m = (name: string, value: number, unit: string, extra: Partial<MetricRecord> = {}): void => {
        metrics.push({ entity, name, value: num(value), unit, ...extra });
      };
      m("arrivals", st.arrivals, "1");
      m("throughput", st.completed / span, "1/s");
      m("utilisation", st.busyServers.mean(now) / spec.servers, "1", {
        expected: exact ? exact.utilisation : undefined,
      });
      m("customers.mean", st.inSystem.mean(now), "1", { expected: exact ? exact.meanInSystem : undefined });
      m("response_time.mean", st.response.mean / NS, "s", {
        ci95: num(ci.halfWidth / NS),
        expected: exact ? exact.meanResponse : undefined,
      });
      m("response_time.p50", st.responseHist.quantile(0.5) / NS, "s");
      m("response_time.p95", st.responseHist.quantile(0.95) / NS, "s");
      m("response_time.p99", st.responseHist.quantile(0.99) / NS, "s");
      m("response_time.max", st.response.max / NS, "s");
      m("waiting_time.mean", st.waiting.mean / NS, "s");
      m("loss_probability", st.arrivals > 0 ? st.lost / st.arrivals : Number.NaN, "1", {
        expected: exact ? exact.lossProbability : undefined,
      });
      rows.push([
        spec.name,
        st.completed,
        round(st.completed / span, 4),
        round(st.busyServers.mean(now) / spec.servers, 4),
        round((st.response.mean / NS) * 1e3, 4),
        exact ? round(exact.meanResponse * 1e3, 4) : null,
        round((ci.halfWidth / NS) * 1e3, 4),
        round((st.responseHist.quantile(0.99) / NS) * 1e3, 4),
        st.arrivals > 0 ? round(st.lost / st.arrivals, 6) : null,
      ]);
      cdfSeries.push({ name: spec.name, points: st.responseHist.cdf().map(([v, p]) => [v / 1e6, p]) });
    });
    return {
      metrics,
      tables: [
        {
          id: "stations",
          title: "Queueing stations",
          columns: [
            { name: "station" },
            { name: "completed" },
            { name: "throughput", unit: "1/s" },
            { name: "utilisation" },
            { name: "mean resp", unit: "ms" },
            { name: "exact resp", unit: "ms" },
            { name: "95% CI ±", unit: "ms" },
            { name: "p99 resp", unit: "ms" },
            { name: "loss" },
          ],
          rows,
        },
      ],
      charts: [
        {
          id: "stations-response-cdf",
          title: "Response time distribution",
          kind: "cdf",
          x: { label: "response time", unit: "ms", log: true },
          y: { label: "fraction of customers", unit: "1" },
          series: cdfSeries,
        },
        {
          id: "stations-customers",
          title: "Customers in each station (mean per sample period)",
          kind: "line",
          x: { label: "simulated time", unit: "s" },
          y: { label: "customers", unit: "1" },
          series: this.samplers.map((s) => ({ name: s.series.name, points: s.series.points() })),
        },
      ],
      notes: [],
    };
  }
}

/** Exact M/M/c/K values when arrivals are Poisson and service exponential; else undefined. */
function markovExpectation(spec: StationSpec) {
  const lambda =
    spec.arrivals.type === "poisson"
      ? spec.arrivals.rate
      : spec.arrivals.type === "exponential"
        ? NS / spec.arrivals.mean
        : null;
  if (lambda === null || spec.service.type !== "exponential") return undefined;
  const r = mmck(lambda, NS / spec.service.mean, spec.servers, spec.capacity ?? Number.POSITIVE_INFINITY);
  return r ?? undefined;
}

function round(x: number, digits: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(digits + 2)) : null;
}
