import { describe, expect, it } from "vitest";
import { rSquared } from "./multiple-correlation.js";

describe("rSquared (multiple linear regression with intercept)", () => {
  const scratch = new Float64Array(64);

  it("is 1 when y is an exact linear function of the regressors", () => {
    // y = 1 + 2 x1 - x2 over 5 observations.
    const x1 = [0, 1, 2, 3, 4];
    const x2 = [1, 0, 2, 1, 3];
    const x = Float64Array.from(x1.flatMap((a, r) => [a, x2[r]]));
    const y = Float64Array.from(x1.map((a, r) => 1 + 2 * a - x2[r]));
    expect(rSquared(x, y, 5, 2, scratch)).toBeCloseTo(1, 12);
  });

  it("matches the squared correlation for one regressor", () => {
    const xs = [1, 2, 3, 4, 5, 6];
    const ys = [2, 1, 4, 3, 6, 5];
    const mx = 3.5;
    const my = 3.5;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    xs.forEach((x, i) => {
      sxy += (x - mx) * (ys[i] - my);
      sxx += (x - mx) ** 2;
      syy += (ys[i] - my) ** 2;
    });
    expect(rSquared(Float64Array.from(xs), Float64Array.from(ys), 6, 1, scratch)).toBeCloseTo(
      (sxy * sxy) / (sxx * syy),
      12,
    );
  });

  it("is NaN without degrees of freedom, with collinear regressors, or with constant y", () => {
    expect(rSquared(Float64Array.from([1, 2]), Float64Array.from([1, 2]), 2, 1, scratch)).toBeNaN();
    const collinear = Float64Array.from([1, 2, 2, 4, 3, 6, 4, 8]);
    expect(rSquared(collinear, Float64Array.from([1, 3, 2, 5]), 4, 2, scratch)).toBeNaN();
    expect(
      rSquared(Float64Array.from([1, 2, 3, 4]), Float64Array.from([2, 2, 2, 2]), 4, 1, scratch),
    ).toBeNaN();
  });
});
