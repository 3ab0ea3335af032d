/**
 * report.html: one self-contained file (no network access) holding the results and the
 * charting library, Apache ECharts, inlined. The page is built in the browser from the
 * embedded results, so the file is the results plus a fixed viewer: byte-identical for
 * the same scenario and seed.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ResultsRecord } from "../run/results.js";
import { REPORT_VIEWER_SCRIPT } from "./report-viewer.js";

let echartsSource: string | undefined;

function echarts(): string {
  if (echartsSource === undefined) {
    const require = createRequire(import.meta.url);
    echartsSource = readFileSync(require.resolve("echarts/dist/echarts.min.js"), "utf8");
  }
  return echartsSource;
}

/** Escapes JSON for a <script> element: no "</script>" or "<!--" can appear. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d3557;color:#fff;padding:16px 28px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85}
main{padding:12px 28px 40px;max-width:1280px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:16px 0;padding:12px 16px}
h2{font-size:17px;margin:4px 0 10px}
table{border-collapse:collapse;font-size:13px}
th,td{padding:4px 10px;border-bottom:1px solid #eceff3;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#f1f3f6}
.chart{width:100%;height:380px}
.note{color:#555;font-size:13px}
.scroll{overflow-x:auto}
`;

export function htmlReport(r: ResultsRecord): string {
  const title = `xenlab: ${r.scenario.name}`;
  const sub = `${r.scenario.duration_s} s simulated, warm-up ${r.scenario.warmup_s} s, seed ${r.scenario.seed}, ${r.run.events} events`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(r.scenario.description ?? "")}</p><p>${escapeHtml(sub)}</p></header>
<main id="report"></main>
<script id="xenlab-results" type="application/json">${embedJson(r)}</script>
<script>${echarts()}</script>
<script>${REPORT_VIEWER_SCRIPT}</script>
</body>
</html>
`;
}
