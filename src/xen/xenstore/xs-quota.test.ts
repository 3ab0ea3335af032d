/** The quota table is declared once (STYLE 17): the README's copy must match it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultQuotas, quotaMarkdownTable, quotaParamByName } from "./xs-quota.js";

describe("quota parameters", () => {
  it("the README table is the one generated from QUOTA_PARAMS", () => {
    const readme = readFileSync(join(import.meta.dirname, "README.md"), "utf8");
    const m = /<!-- quota-table:start -->\n([\s\S]*?)\n<!-- quota-table:end -->/.exec(readme);
    expect(m?.[1]).toBe(quotaMarkdownTable());
  });

  it("defaults are Xen 4.17's", () => {
    expect(defaultQuotas()).toEqual({
      nodes: 1000,
      watches: 128,
      transactions: 10,
      nodeSize: 2048,
      permissions: 5,
      transactionNodes: 1024,
      pathMax: 2048,
    });
    expect(quotaParamByName("node-size")?.key).toBe("nodeSize");
  });
});
