/**
 * Building blocks of the scenario schema: quantities with units, names, counts and
 * random distributions. Every unit field carries its own error text ("expected a
 * duration like "10ms"") so that messages say what was expected; the loader adds what
 * was found.
 */
import * as z from "zod";
import { BITRATE, DURATION, FREQUENCY, RATE, SIZE, type UnitKind } from "./units.js";

function unitField(u: UnitKind) {
  const expected = `expected ${u.what} like "${u.example}"`;
  return z
    .string({ error: expected })
    .regex(u.pattern, { error: expected })
    .transform((s) => u.parse(s) as number)
    .meta({ description: `${u.what}, e.g. "${u.example}"` });
}

/** A duration, in integer ns after parsing. Zero needs no unit (0 or "0"). */
export const Duration = z.union([z.literal(0), z.literal("0").transform(() => 0), unitField(DURATION)], {
  error: `expected a duration like "${DURATION.example}"`,
});
export const Size = unitField(SIZE);
export const Bitrate = unitField(BITRATE);
export const Rate = unitField(RATE);
export const Frequency = unitField(FREQUENCY);

/** Entity names: letters, digits, '-', '_', '.'; they seed random streams, so keep them stable. */
export const Name = z.string({ error: "expected a name" }).regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, {
  error: "expected a name: a letter, then letters, digits, '-', '_' or '.'",
});

/** `count: N` replicates an entity N times as name-1 .. name-N. */
export const Count = z
  .int({ error: "expected a whole number of copies" })
  .min(1, { error: "expected a count of at least 1" })
  .max(100_000, { error: "expected a count of at most 100000" });

export const PositiveInt = z
  .int({ error: "expected a whole number" })
  .min(1, { error: "expected at least 1" });
export const PositiveNumber = z
  .number({ error: "expected a number" })
  .positive({ error: "expected a number > 0" });

/** A random distribution of durations (service times, think times, run bursts). */
const TimeDistributionObject = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("constant"), value: Duration }),
    z
      .strictObject({ type: z.literal("uniform"), min: Duration, max: Duration })
      .refine((d) => d.max >= d.min, { error: "expected max >= min", path: ["max"] }),
    z.strictObject({ type: z.literal("exponential"), mean: Duration }),
    z.strictObject({ type: z.literal("normal"), mean: Duration, stddev: Duration }),
    z.strictObject({ type: z.literal("lognormal"), mean: Duration, cv: PositiveNumber }),
    z
      .strictObject({ type: z.literal("pareto"), alpha: PositiveNumber, min: Duration, max: Duration })
      .refine((d) => d.min > 0 && d.max > d.min, { error: "expected 0 < min < max", path: ["max"] }),
    z.strictObject({
      type: z.literal("empirical"),
      values: z.array(Duration).min(1, { error: "expected at least one value" }),
      mode: z.enum(["resample", "interpolate"]).default("resample"),
    }),
  ],
  {
    error: "expected a distribution: constant, uniform, exponential, normal, lognormal, pareto or empirical",
  },
);

/** A duration distribution; a bare duration ("1ms") means a constant. */
export const TimeDistribution = z.preprocess(
  (v) => (typeof v === "string" ? { type: "constant", value: v } : v),
  TimeDistributionObject,
);
export type TimeDistributionSpec = z.output<typeof TimeDistributionObject>;

/** Arrivals: a Poisson stream at a rate, or any distribution of inter-arrival times. */
export const Arrivals = z.preprocess(
  (v) => (typeof v === "string" ? { type: "constant", value: v } : v),
  z.discriminatedUnion(
    "type",
    [z.strictObject({ type: z.literal("poisson"), rate: Rate }), ...TimeDistributionObject.options],
    { error: "expected arrivals: poisson (with a rate) or a distribution of inter-arrival times" },
  ),
);
export type ArrivalsSpec = z.output<typeof Arrivals>;
