/**
 * Standard exponential variates by the ziggurat method (Marsaglia and Tsang, "The
 * ziggurat method for generating random variables", J. Stat. Software 5(8), 2000; the
 * 256-layer exponential tables of that paper). About 99% of draws cost one 32-bit output,
 * a table lookup, a compare and a multiply, with no logarithm; the rest fall back to the
 * exact wedge test or the tail (r - ln U). The tables are built once, at load.
 */
import type { Rng } from "./rng.js";

const LAYERS = 256;
/** Start of the tail (the rightmost layer's x) for 256 layers. */
const R = 7.697117470131487;
/** Area of each layer. */
const V = 3.949659822581572e-3;
const M2 = 4294967296;

const ke = new Float64Array(LAYERS);
const we = new Float64Array(LAYERS);
const fe = new Float64Array(LAYERS);

(function buildTables(): void {
  let de = R;
  let te = R;
  const q = V / Math.exp(-de);
  ke[0] = (de / q) * M2;
  ke[1] = 0;
  we[0] = q / M2;
  we[LAYERS - 1] = de / M2;
  fe[0] = 1;
  fe[LAYERS - 1] = Math.exp(-de);
  for (let i = LAYERS - 2; i >= 1; i--) {
    de = -Math.log(V / de + Math.exp(-de));
    ke[i + 1] = (de / te) * M2;
    te = de;
    fe[i] = Math.exp(-de);
    we[i] = de / M2;
  }
})();

/** One standard exponential variate (mean 1). Hot path: benchmarked by `kernel.hold`. */
export function standardExponential(rng: Rng): number {
  let j = rng.nextU32();
  let i = j & (LAYERS - 1);
  if (j < ke[i]) return j * we[i];
  for (;;) {
    if (i === 0) return R - Math.log(rng.nextOpen());
    const x = j * we[i];
    if (fe[i] + rng.next() * (fe[i - 1] - fe[i]) < Math.exp(-x)) return x;
    j = rng.nextU32();
    i = j & (LAYERS - 1);
    if (j < ke[i]) return j * we[i];
  }
}
