/** @jsxImportSource hono/jsx */
import type { VerificationPoint } from "../lib/portal/verifications";

/** Outcome series in stacking order (bottom first), with their colours and labels. */
export const SERIES = [
  { field: "valid", label: "Valid", color: "#16a34a" },
  { field: "rateLimited", label: "Rate limited", color: "#f59e0b" },
  { field: "usageExceeded", label: "Usage exceeded", color: "#ea580c" },
  { field: "expired", label: "Expired", color: "#64748b" },
  { field: "disabled", label: "Disabled", color: "#94a3b8" },
  { field: "forbidden", label: "Forbidden", color: "#dc2626" },
  { field: "insufficientPermissions", label: "Insufficient permissions", color: "#9333ea" },
  { field: "other", label: "Other", color: "#1f2937" },
] as const;

type Field = (typeof SERIES)[number]["field"];

export function seriesValue(p: VerificationPoint, field: Field): number {
  if (field !== "other") return p[field];
  const known = SERIES.reduce((sum, s) => (s.field === "other" ? sum : sum + p[s.field]), 0);
  return Math.max(0, p.total - known);
}

/** A round axis maximum ≥ max that splits into 4 whole steps of 1, 2 or 5 × 10^n. */
export function niceMax(max: number): number {
  const raw = Math.max(1, max) / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw && Number.isInteger(m * pow)) return m * pow * 4;
  return 10 * pow * 4;
}

const fmtDay = (t: number) => new Date(t).toISOString().slice(5, 10);

/**
 * Which buckets get a date under them: evenly spaced over the whole axis, first and last
 * always, at most `max` labels (so they never overlap).
 */
export function labelledBuckets(n: number, max = 10): Set<number> {
  if (n <= max) return new Set(Array.from({ length: n }, (_, i) => i));
  const out = new Set<number>();
  for (let j = 0; j < max; j++) out.add(Math.round((j * (n - 1)) / (max - 1)));
  return out;
}

/**
 * Stacked bars of verifications per bucket, split by outcome, drawn server-side as SVG (no
 * script). Each bar has a <title> with its numbers, and the figure has a text summary.
 */
export function UsageChart({ points, bucketLabel }: { points: VerificationPoint[]; bucketLabel: (t: number) => string }) {
  const width = 760;
  const height = 260;
  const m = { top: 12, right: 12, bottom: 36, left: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const max = niceMax(Math.max(0, ...points.map((p) => p.total)));
  const slot = points.length > 0 ? plotW / points.length : plotW;
  const barW = Math.max(1, Math.min(36, slot * 0.7));
  const y = (v: number) => m.top + plotH - (v / max) * plotH;
  const labelled = labelledBuckets(points.length);
  const ticks = [0, 1, 2, 3, 4].map((i) => (max / 4) * i);
  const total = points.reduce((s, p) => s + p.total, 0);
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        role="img"
        aria-label={`Verifications per ${points.length > 0 ? "bucket" : "day"}: ${total} in total`}
        data-testid="usage-chart"
      >
        {ticks.map((t) => (
          <g>
            <line x1={m.left} x2={width - m.right} y1={y(t)} y2={y(t)} stroke="#e5e7eb" />
            <text x={m.left - 6} y={y(t) + 4} text-anchor="end" font-size="11" fill="#6b7280">
              {t}
            </text>
          </g>
        ))}
        {points.map((p, i) => {
          const x = m.left + i * slot + (slot - barW) / 2;
          let acc = 0;
          return (
            <g data-time={p.time} data-total={p.total}>
              <title>
                {`${bucketLabel(p.time)}: ${p.total} verifications` +
                  SERIES.filter((s) => seriesValue(p, s.field) > 0)
                    .map((s) => `, ${s.label.toLowerCase()} ${seriesValue(p, s.field)}`)
                    .join("")}
              </title>
              {SERIES.map((s) => {
                const v = seriesValue(p, s.field);
                if (v === 0) return null;
                const y0 = y(acc);
                acc += v;
                const y1 = y(acc);
                return <rect x={x} y={y1} width={barW} height={Math.max(0.5, y0 - y1)} fill={s.color} data-outcome={s.field} />;
              })}
              {labelled.has(i) ? (
                <text x={x + barW / 2} y={height - m.bottom + 16} text-anchor="middle" font-size="11" fill="#6b7280">
                  {fmtDay(p.time)}
                </text>
              ) : null}
            </g>
          );
        })}
        <line x1={m.left} x2={width - m.right} y1={y(0)} y2={y(0)} stroke="#9ca3af" />
      </svg>
      <figcaption>
        <ul class="legend">
          {SERIES.map((s) => (
            <li>
              <span class="swatch" style={`background:${s.color}`}></span>
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
