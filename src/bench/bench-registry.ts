/** Every benchmark in the project. Later issues append theirs here. */
import type { Bench } from "./bench-types.js";
import { kernelHold, kernelHoldBaseline } from "./kernel-hold.bench.js";
import { planConsolidationBench } from "./plan-consolidation.bench.js";

export const BENCHES: readonly Bench[] = [kernelHold, kernelHoldBaseline, planConsolidationBench];
