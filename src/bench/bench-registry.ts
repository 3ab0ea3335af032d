/** Every benchmark in the project, one per line (features append theirs). */
import type { Bench } from "./bench-types.js";
import { clusterPlanetLab } from "./cluster-planetlab.bench.js";
import { imagesDeploy } from "./images-deploy.bench.js";
import { ioNetback } from "./io-netback.bench.js";
import { kernelHold, kernelHoldBaseline } from "./kernel-hold.bench.js";
import { pciEcamRead, vtdTranslate } from "./pcie.bench.js";
import { planConsolidationBench } from "./plan-consolidation.bench.js";
import { schedCredit } from "./sched-credit.bench.js";
import { xenstoreDirectory, xenstoreRead, xenstoreWatchFanout, xenstoreWrite } from "./xenstore.bench.js";

export const BENCHES: readonly Bench[] = [
  clusterPlanetLab,
  imagesDeploy,
  ioNetback,
  kernelHold,
  kernelHoldBaseline,
  pciEcamRead,
  vtdTranslate,
  planConsolidationBench,
  schedCredit,
  xenstoreDirectory,
  xenstoreRead,
  xenstoreWatchFanout,
  xenstoreWrite,
];
