/** Worker thread body for the xenstore request benchmarks: one slice of the clients. */
import { parentPort, workerData } from "node:worker_threads";
import { requestLoadSlice, type SliceArgs } from "./xenstore-load.js";

const a = workerData as SliceArgs;
const slice = await requestLoadSlice(
  a.socket,
  a.workload,
  a.firstClient,
  a.clients,
  a.depth,
  a.warmupS,
  a.measureS,
);
parentPort?.postMessage(slice, [slice.latenciesNs.buffer as ArrayBuffer]);
