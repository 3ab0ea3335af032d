/**
 * Random variates drawn from a stream. Each distribution is a small object bound to its
 * Rng with a `sample()` method (no allocation per draw) and its analytic `mean` where
 * one exists, so a model can state its expected load next to what it measured.
 *
 * Methods: the ziggurat for the exponential (ziggurat-exp.ts); inverse transform for
 * bounded Pareto and empirical; Marsaglia's polar method for the normal (two variates per
 * accepted pair, the spare is cached).
 */
import type { Rng } from "./rng.js";
import { standardExponential } from "./ziggurat-exp.js";

export interface Distribution {
  /** Draws one value. */
  sample(): number;
  /** The analytic mean (NaN where it is not defined). */
  readonly mean: number;
}

export class Constant implements Distribution {
  constructor(readonly mean: number) {}
  sample(): number {
    return this.mean;
  }
}

export class Uniform implements Distribution {
  readonly mean: number;
  constructor(
    private readonly rng: Rng,
    private readonly lo: number,
    private readonly hi: number,
  ) {
    if (!(hi >= lo)) throw new RangeError(`uniform: hi ${hi} < lo ${lo}`);
    this.mean = (lo + hi) / 2;
  }
  sample(): number {
    return this.lo + (this.hi - this.lo) * this.rng.next();
  }
}

export class Exponential implements Distribution {
  constructor(
    private readonly rng: Rng,
    readonly mean: number,
  ) {
    if (!(mean > 0)) throw new RangeError(`exponential: mean must be > 0, got ${mean}`);
  }
  sample(): number {
    return this.mean * standardExponential(this.rng);
  }
}

export class Normal implements Distribution {
  private spare = 0;
  private hasSpare = false;
  constructor(
    private readonly rng: Rng,
    readonly mean: number,
    private readonly stddev: number,
  ) {
    if (!(stddev >= 0)) throw new RangeError(`normal: stddev must be >= 0, got ${stddev}`);
  }
  sample(): number {
    return this.mean + this.stddev * this.standard();
  }
  /** A standard normal variate (Marsaglia polar method). */
  standard(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.rng.next() - 1;
      v = 2 * this.rng.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }
}

/** exp(N(mu, sigma)): mu and sigma are of the underlying normal. */
export class LogNormal implements Distribution {
  readonly mean: number;
  private readonly normal: Normal;
  constructor(rng: Rng, mu: number, sigma: number) {
    this.normal = new Normal(rng, mu, sigma);
    this.mean = Math.exp(mu + (sigma * sigma) / 2);
  }
  /** The lognormal with a given mean and coefficient of variation (stddev / mean). */
  static fromMeanCv(rng: Rng, mean: number, cv: number): LogNormal {
    const sigma2 = Math.log(1 + cv * cv);
    return new LogNormal(rng, Math.log(mean) - sigma2 / 2, Math.sqrt(sigma2));
  }
  sample(): number {
    return Math.exp(this.normal.sample());
  }
}

/**
 * Pareto with shape alpha truncated to [lo, hi] (Harchol-Balter's bounded Pareto), the
 * usual model for heavy-tailed request sizes. Inverse CDF:
 * x = lo / (1 - u (1 - (lo/hi)^alpha))^(1/alpha).
 */
export class BoundedPareto implements Distribution {
  readonly mean: number;
  private readonly tail: number;
  constructor(
    private readonly rng: Rng,
    private readonly alpha: number,
    private readonly lo: number,
    hi: number,
  ) {
    if (!(alpha > 0 && lo > 0 && hi > lo))
      throw new RangeError(`bounded pareto: need alpha > 0, 0 < lo < hi`);
    this.tail = 1 - (lo / hi) ** alpha;
    this.mean =
      alpha === 1
        ? ((hi * lo) / (hi - lo)) * Math.log(hi / lo)
        : (lo ** alpha / (1 - (lo / hi) ** alpha)) *
          (alpha / (alpha - 1)) *
          (1 / lo ** (alpha - 1) - 1 / hi ** (alpha - 1));
  }
  sample(): number {
    return this.lo / (1 - this.rng.next() * this.tail) ** (1 / this.alpha);
  }
}

/**
 * Values resampled from observations. `resample` draws one of the values with equal
 * probability (a bootstrap); `interpolate` inverts the piecewise-linear empirical CDF,
 * which also yields values between the observations.
 */
export class Empirical implements Distribution {
  readonly mean: number;
  private readonly sorted: Float64Array;
  constructor(
    private readonly rng: Rng,
    values: readonly number[],
    private readonly mode: "resample" | "interpolate" = "resample",
  ) {
    if (values.length === 0) throw new RangeError("empirical: no values");
    this.sorted = Float64Array.from(values).sort();
    const n = values.length;
    const sum = values.reduce((a, b) => a + b, 0);
    // The interpolated inverse CDF is piecewise linear over [0, n-1]: its mean is the
    // trapezoid rule over the sorted values.
    this.mean =
      mode === "resample" || n === 1 ? sum / n : (sum - (this.sorted[0] + this.sorted[n - 1]) / 2) / (n - 1);
  }
  sample(): number {
    const n = this.sorted.length;
    if (this.mode === "resample" || n === 1) return this.sorted[this.rng.int(n)];
    const x = this.rng.next() * (n - 1);
    const i = Math.floor(x);
    return this.sorted[i] + (x - i) * (this.sorted[i + 1] - this.sorted[i]);
  }
}
