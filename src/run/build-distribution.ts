/** Turns distribution specs from a scenario into kernel distributions on a named stream. */
import {
  BoundedPareto,
  Constant,
  type Distribution,
  Empirical,
  Exponential,
  LogNormal,
  Normal,
  Uniform,
} from "../kernel/distributions.js";
import type { Rng } from "../kernel/rng.js";
import type { ArrivalsSpec, TimeDistributionSpec } from "../scenario/schema-parts.js";

export function buildTimeDistribution(spec: TimeDistributionSpec, rng: Rng): Distribution {
  switch (spec.type) {
    case "constant":
      return new Constant(spec.value);
    case "uniform":
      return new Uniform(rng, spec.min, spec.max);
    case "exponential":
      return new Exponential(rng, spec.mean);
    case "normal":
      return new NonNegative(new Normal(rng, spec.mean, spec.stddev));
    case "lognormal":
      return LogNormal.fromMeanCv(rng, spec.mean, spec.cv);
    case "pareto":
      return new BoundedPareto(rng, spec.alpha, spec.min, spec.max);
    case "empirical":
      return new Empirical(rng, spec.values, spec.mode);
  }
}

/** Inter-arrival times: a Poisson stream at `rate` per second has exponential gaps of 1e9/rate ns. */
export function buildArrivals(spec: ArrivalsSpec, rng: Rng): Distribution {
  if (spec.type === "poisson") return new Exponential(rng, 1e9 / spec.rate);
  return buildTimeDistribution(spec, rng);
}

/**
 * A duration cannot be negative: a normal distribution of times is truncated at zero by
 * resampling (its mean shifts slightly up when the stddev is large against the mean,
 * which is the honest reading of "normal durations").
 */
class NonNegative implements Distribution {
  constructor(private readonly d: Normal) {}
  get mean(): number {
    return this.d.mean;
  }
  sample(): number {
    for (;;) {
      const x = this.d.sample();
      if (x >= 0) return x;
    }
  }
}
