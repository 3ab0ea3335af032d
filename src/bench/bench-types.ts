/** The benchmark contract: every issue's benchmarks register a Bench of this shape. */
export type BenchParams = Readonly<Record<string, number | string>>;

export interface BenchMeasurement {
  metric: string;
  value: number;
  unit: string;
}

export interface Bench {
  /** Dotted name; `npm run bench -- PREFIX` runs those whose name starts with PREFIX. */
  name: string;
  /** One child process runs per parameter set, so peak memory is per case. */
  cases: readonly BenchParams[];
  run(params: BenchParams): BenchMeasurement[] | Promise<BenchMeasurement[]>;
}
