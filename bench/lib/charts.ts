/**
 * Hand-written SVG charts for docs/benchmarks.md: bullet rows for throughput-like figures (the
 * measurement as a bar, the limit as a grey band behind it, the target as a black tick) and
 * log-scale p50/p95/p99 bars for latencies, each row with its target.
 */
import { fmt } from "./stats.ts";

export interface BulletRow {
  readonly label: string;
  readonly value: number | undefined;
  readonly unit: string;
  /** The physical limit the figure is bounded by (grey band), if any. */
  readonly limit?: number;
  readonly limitLabel?: string;
  /** The target (black tick) and whether the figure meets it. */
  readonly target?: number;
  readonly targetLabel?: string;
  readonly holds?: boolean;
  /** Lower is better (RSS, start time): only changes the wording of the note. */
  readonly lowerIsBetter?: boolean;
  readonly note?: string;
}

export interface LatencyRow {
  readonly label: string;
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly p99: number | undefined;
  readonly target?: number;
  readonly targetLabel?: string;
  readonly holds?: boolean;
  readonly note?: string;
}

const FONT = `font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"`;
const COLORS = {
  bar: "#4c78a8",
  limit: "#dcdcdc",
  target: "#111",
  p50: "#4c78a8",
  p95: "#f58518",
  p99: "#e45756",
};
const PASS = "#2e7d32";
const FAIL = "#c62828";

const finite = (v: number | undefined): number | undefined =>
  v !== undefined && Number.isFinite(v) ? v : undefined;

export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function verdict(holds: boolean | undefined): string {
  if (holds === undefined) return "";
  return `<tspan fill="${holds ? PASS : FAIL}" font-weight="600">${holds ? " ✔ holds" : " ✘ misses"}</tspan>`;
}

function frame(width: number, height: number, title: string, subtitle: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">
<title>${esc(title)}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="24" font-size="15" font-weight="600">${esc(title)}</text>
<text x="16" y="42" fill="#555">${esc(subtitle)}</text>
${body}
</svg>
`;
}

/** One row per figure: its own scale, the measurement against its limit and target. */
export function bulletChart(title: string, subtitle: string, input: readonly BulletRow[]): string {
  const rows = input.map((r) => ({ ...r, value: finite(r.value) }));
  const width = 1060;
  const labelW = 250;
  const barX = labelW + 16;
  const barW = 420;
  const rowH = 46;
  const top = 60;
  const height = top + rows.length * rowH + 40;
  const parts: string[] = [];
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    const max = Math.max(row.value ?? 0, row.limit ?? 0, row.target ?? 0) * 1.08 || 1;
    const x = (v: number) => barX + (Math.max(0, v) / max) * barW;
    parts.push(`<text x="16" y="${y + 17}" font-weight="600">${esc(row.label)}</text>`);
    if (row.note) parts.push(`<text x="16" y="${y + 33}" fill="#666" font-size="11">${esc(row.note)}</text>`);
    parts.push(`<rect x="${barX}" y="${y + 4}" width="${barW}" height="26" fill="#f7f7f7"/>`);
    if (row.limit !== undefined) {
      parts.push(
        `<rect x="${barX}" y="${y + 4}" width="${x(row.limit) - barX}" height="26" fill="${COLORS.limit}"><title>${esc(
          `${row.limitLabel ?? "limit"}: ${fmt(row.limit)} ${row.unit}`,
        )}</title></rect>`,
      );
    }
    if (row.value !== undefined) {
      parts.push(
        `<rect x="${barX}" y="${y + 10}" width="${Math.max(1, x(row.value) - barX)}" height="14" fill="${COLORS.bar}"/>`,
      );
    } else {
      parts.push(`<text x="${barX + 8}" y="${y + 21}" fill="#888">skipped</text>`);
    }
    if (row.target !== undefined) {
      const tx = x(row.target);
      parts.push(
        `<line x1="${tx}" x2="${tx}" y1="${y + 1}" y2="${y + 33}" stroke="${COLORS.target}" stroke-width="2.5"/>`,
      );
    }
    const value = row.value === undefined ? "–" : `${fmt(row.value)} ${row.unit}`;
    const refs = [
      row.limit !== undefined ? `${row.limitLabel ?? "limit"} ${fmt(row.limit)}` : "",
      row.target !== undefined ? `${row.targetLabel ?? "target"}` : "",
    ]
      .filter(Boolean)
      .join(" · ");
    parts.push(
      `<text x="${barX + barW + 12}" y="${y + 15}" font-weight="600">${esc(value)}${verdict(row.holds)}</text>`,
    );
    if (refs)
      parts.push(
        `<text x="${barX + barW + 12}" y="${y + 30}" fill="#555" font-size="11">${esc(refs)}</text>`,
      );
  });
  const ly = top + rows.length * rowH + 14;
  parts.push(
    `<rect x="16" y="${ly}" width="14" height="10" fill="${COLORS.bar}"/><text x="34" y="${ly + 9}">measured</text>` +
      `<rect x="110" y="${ly}" width="14" height="10" fill="${COLORS.limit}"/><text x="128" y="${ly + 9}">limit</text>` +
      `<line x1="180" x2="180" y1="${ly - 2}" y2="${ly + 12}" stroke="${COLORS.target}" stroke-width="2.5"/><text x="188" y="${ly + 9}">target</text>` +
      `<text x="250" y="${ly + 9}" fill="#666">each row has its own scale</text>`,
  );
  return frame(width, height, title, subtitle, parts.join("\n"));
}

/** p50/p95/p99 per scenario on one log-scale millisecond axis, the target as a dashed tick. */
export function latencyChart(title: string, subtitle: string, input: readonly LatencyRow[]): string {
  const rows = input.map((r) => ({ ...r, p50: finite(r.p50), p95: finite(r.p95), p99: finite(r.p99) }));
  const width = 1060;
  const labelW = 250;
  const axisX = labelW + 16;
  const axisW = 520;
  const noteX = axisX + axisW + 90;
  const rowH = 56;
  const top = 60;
  const height = top + rows.length * rowH + 60;
  const values = rows
    .flatMap((r) => [r.p50, r.p95, r.p99, r.target])
    .filter((v): v is number => v !== undefined && v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(0.01, Math.min(...values, 1)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10) * 1.2)));
  const x = (v: number) =>
    axisX + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * axisW;
  const parts: string[] = [];
  const axisY = top + rows.length * rowH + 4;
  for (let d = lo; d <= hi * 1.001; d *= 10) {
    const gx = x(d);
    parts.push(`<line x1="${gx}" x2="${gx}" y1="${top - 4}" y2="${axisY}" stroke="#e6e6e6"/>`);
    parts.push(
      `<text x="${gx}" y="${axisY + 16}" text-anchor="middle" fill="#555">${d >= 1 ? fmtDecade(d) : d} ms</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="16" y="${y + 18}" font-weight="600">${esc(row.label)}</text>`);
    if (row.note) parts.push(`<text x="16" y="${y + 34}" fill="#666" font-size="11">${esc(row.note)}</text>`);
    const bars: [string, number | undefined, string][] = [
      ["p50", row.p50, COLORS.p50],
      ["p95", row.p95, COLORS.p95],
      ["p99", row.p99, COLORS.p99],
    ];
    bars.forEach(([name, v, color], j) => {
      const by = y + 4 + j * 14;
      if (v === undefined) {
        if (j === 0) parts.push(`<text x="${axisX + 6}" y="${by + 10}" fill="#888">skipped</text>`);
        return;
      }
      parts.push(
        `<rect x="${axisX}" y="${by}" width="${Math.max(1, x(v) - axisX)}" height="11" fill="${color}"/>`,
      );
      parts.push(
        `<text x="${x(v) + 5}" y="${by + 10}" font-size="11" fill="#333">${name} ${esc(fmt(v))}</text>`,
      );
    });
    if (row.target !== undefined) {
      const tx = x(row.target);
      parts.push(
        `<line x1="${tx}" x2="${tx}" y1="${y}" y2="${y + 46}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="4 3"/>`,
      );
      parts.push(
        `<text x="${noteX}" y="${y + 15}" fill="#555" font-size="11">${esc(row.targetLabel ?? `target ${fmt(row.target)} ms`)}</text>`,
      );
      parts.push(
        `<text x="${noteX}" y="${y + 31}">${verdict(row.holds).replace(" ✔", "✔").replace(" ✘", "✘")}</text>`,
      );
    }
  });
  const ly = axisY + 30;
  parts.push(
    `<rect x="16" y="${ly}" width="14" height="10" fill="${COLORS.p50}"/><text x="34" y="${ly + 9}">p50</text>` +
      `<rect x="80" y="${ly}" width="14" height="10" fill="${COLORS.p95}"/><text x="98" y="${ly + 9}">p95</text>` +
      `<rect x="144" y="${ly}" width="14" height="10" fill="${COLORS.p99}"/><text x="162" y="${ly + 9}">p99</text>` +
      `<line x1="215" x2="215" y1="${ly - 2}" y2="${ly + 12}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="4 3"/><text x="223" y="${ly + 9}">target (log scale)</text>`,
  );
  return frame(width, height, title, subtitle, parts.join("\n"));
}

function fmtDecade(d: number): string {
  return d >= 1000 ? `${d / 1000}k` : String(d);
}
