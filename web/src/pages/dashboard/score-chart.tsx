import type { ScorePoint } from "../../api/types.ts";
import { formatDateTime } from "../../lib/format.ts";

const W = 320;
const H = 140;
const PAD = { top: 10, right: 10, bottom: 22, left: 34 };
const BANDS = [
  { from: 0, to: 400, name: "Starter" },
  { from: 400, to: 650, name: "Established" },
  { from: 650, to: 850, name: "Trusted" },
  { from: 850, to: 1000, name: "Exemplary" },
];

/** The score's history (oldest left) as an inline SVG line over the tier bands. */
export function ScoreChart({ history }: { readonly history: readonly ScorePoint[] }) {
  const points = [...history].reverse();
  if (points.length === 0) return null;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (points.length === 1 ? innerW / 2 : (i * innerW) / (points.length - 1));
  const y = (score: number) => PAD.top + innerH - (score / 1000) * innerH;
  const line = points
    .map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.score).toFixed(1)}`)
    .join(" ");
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const summary =
    points.length === 1
      ? `One calculation: ${last.score}.`
      : `${points.length} calculations from ${first.score} to ${last.score}.`;

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Score history. ${summary}`}>
        {BANDS.map((b, i) => (
          <rect
            key={b.name}
            x={PAD.left}
            width={innerW}
            y={y(b.to)}
            height={y(b.from) - y(b.to)}
            className={`chart__band chart__band--${i}`}
          />
        ))}
        {[0, 400, 650, 850, 1000].map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={PAD.left + innerW} y1={y(v)} y2={y(v)} className="chart__grid" />
            <text x={PAD.left - 6} y={y(v) + 3} className="chart__label" textAnchor="end">
              {v}
            </text>
          </g>
        ))}
        <path d={line} className="chart__line" />
        {points.map((p, i) => (
          <circle key={`${p.calculatedAt}-${i}`} cx={x(i)} cy={y(p.score)} r={3} className="chart__point">
            <title>{`${p.score} (${p.tier}) · ${formatDateTime(p.calculatedAt)}`}</title>
          </circle>
        ))}
        <text x={PAD.left} y={H - 6} className="chart__label">
          {formatDateTime(first.calculatedAt)}
        </text>
        {points.length > 1 && (
          <text x={PAD.left + innerW} y={H - 6} className="chart__label" textAnchor="end">
            {formatDateTime(last.calculatedAt)}
          </text>
        )}
      </svg>
      <figcaption className="sr-only">{summary}</figcaption>
    </figure>
  );
}
