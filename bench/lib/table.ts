// The one results table, as aligned text for the terminal and as Markdown for RESULTS.md.

export interface Row {
  scenario: string;
  figure: string;
  target: string;
  measured: string;
  /** true met, false MISSED, null for figures without a target (CPU, RSS). */
  met: boolean | null;
  baseline: string;
  ratio: string;
  /** The same figure measured on a floor (bench/floors) in the same run, and ours ÷ that floor. */
  floor?: string;
  vsFloor?: string;
  /** When missed: what limits it (printed after the table and in RESULTS.md). */
  limit?: string;
}

const HEADERS = ["scenario", "figure", "target", "measured", "met", "baseline", "ratio", "floor", "ours ÷ floor"] as const;

function cells(row: Row): string[] {
  return [row.scenario, row.figure, row.target, row.measured, row.met === null ? "" : row.met ? "met" : "MISSED", row.baseline, row.ratio, row.floor ?? "", row.vsFloor ?? ""];
}

export function renderText(rows: readonly Row[]): string {
  const table = [HEADERS.slice(), ...rows.map(cells)];
  const widths = HEADERS.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd();
  return [line(table[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...table.slice(1).map(line)].join("\n");
}

export function renderMarkdown(rows: readonly Row[]): string {
  const escape = (cell: string) => cell.replaceAll("|", "\\|");
  return [
    `| ${HEADERS.join(" | ")} |`,
    `| ${HEADERS.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${cells(row).map((c, i) => (i === 4 && c === "MISSED" ? "**MISSED**" : escape(c))).join(" | ")} |`),
  ].join("\n");
}

/** "scenario — figure: limit" for every missed row that says what limits it. */
export function limits(rows: readonly Row[]): string[] {
  let scenario = "";
  const out: string[] = [];
  for (const row of rows) {
    if (row.scenario) scenario = row.scenario;
    if (row.met === false && row.limit) out.push(`${scenario} — ${row.figure}: ${row.limit}`);
  }
  return out;
}

/** NaN crosses the processes' IPC (JSON) as null: both mean "no value". */
const missing = (v: number | null) => v === null || Number.isNaN(v);

/** Formatting helpers shared by the scenarios. */
export const fmt = {
  ms: (v: number) => (missing(v) ? "n/a" : v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`),
  s: (ms: number) => (missing(ms) ? "n/a" : `${(ms / 1000).toFixed(2)} s`),
  rate: (v: number, unit: string) => `${Math.round(v).toLocaleString("en-US")} ${unit}`,
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`,
  kb: (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`,
  pct: (v: number) => `${Math.round(v)} %`,
  /** How many times better `ours` is than `theirs`; `higherIsBetter` for rates. */
  ratio: (ours: number, theirs: number, higherIsBetter: boolean) => {
    if (missing(ours) || missing(theirs) || !Number.isFinite(ours) || !Number.isFinite(theirs) || ours <= 0 || theirs <= 0) return "n/a";
    const r = higherIsBetter ? ours / theirs : theirs / ours;
    return `${r >= 10 ? Math.round(r) : r.toFixed(1)}×`;
  },
  /** Ours as a share of the floor (1.00× = as fast as the floor), two decimals. */
  vsFloor: (ours: number, floor: number) => (missing(ours) || missing(floor) || !(floor > 0) ? "n/a" : `${(ours / floor).toFixed(2)}×`),
};
