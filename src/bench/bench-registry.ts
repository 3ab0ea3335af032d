/** Every benchmark in the project. Later issues append theirs here. */
import type { Bench } from "./bench-types.js";
import { clusterPlanetLab } from "./cluster-planetlab.bench.js";
import { kernelHold, kernelHoldBaseline } from "./kernel-hold.bench.js";

export const BENCHES: readonly Bench[] = [kernelHold, kernelHoldBaseline, clusterPlanetLab];
