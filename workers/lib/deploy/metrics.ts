/**
 * deployments.getMetrics (docs/deploy.md "Metrics"): requests per second, status classes,
 * latency percentiles and CPU time per interval, computed from the Sentinel's request rows
 * (gateway_requests_v1). Percentiles are nearest-rank, exact, in SQL (window functions), so the
 * cost is one indexed range scan of the deployment's rows, bounded by the range cap.
 */
export const MAX_RANGE_MS = 7 * 24 * 60 * 60 * 1000;
export const MAX_INTERVALS = 360;

/** The same figures as SQL a user can run with analytics.getGatewayRequests (documented, and served in the answer). */
export const METRICS_SQL = {
  requests:
    "SELECT COUNT(*) AS requests FROM gateway_requests_v1 WHERE deployment_id = '<id>' AND time >= <start> AND time < <end>  -- requests per second: requests / ((end - start) / 1000)",
  statusClasses:
    "SELECT response_status, COUNT(*) AS n FROM gateway_requests_v1 WHERE deployment_id = '<id>' AND time >= <start> AND time < <end> GROUP BY response_status  -- class = floor(status / 100)",
  latencyPercentile:
    "SELECT total_latency FROM gateway_requests_v1 WHERE deployment_id = '<id>' AND time >= <start> AND time < <end> ORDER BY total_latency LIMIT 1 OFFSET <ceil(p * requests) - 1>  -- nearest rank, p = 0.5, 0.75, 0.9, 0.95, 0.99",
  cpuTime: "SELECT SUM(cpu_time) AS total, AVG(cpu_time) AS average FROM gateway_requests_v1 WHERE deployment_id = '<id>' AND time >= <start> AND time < <end>",
};

export interface MetricsInterval {
  start: number;
  end: number;
  requests: number;
  requestsPerSecond: number;
  statusClasses: { "1xx": number; "2xx": number; "3xx": number; "4xx": number; "5xx": number };
  latencyMs: { p50: number | null; p75: number | null; p90: number | null; p95: number | null; p99: number | null };
  cpuTimeMs: { total: number | null; average: number | null };
}

/** An interval of at least 10 s giving at most MAX_INTERVALS buckets. */
export function chooseInterval(rangeMs: number, requested?: number): number {
  const min = Math.max(10_000, Math.ceil(rangeMs / MAX_INTERVALS / 1000) * 1000);
  return requested ? Math.max(requested, min) : Math.max(min, Math.ceil(rangeMs / 60 / 1000) * 1000);
}

const P = ["50", "75", "90", "95", "99"] as const;

export async function deploymentMetrics(
  d1: D1Database,
  q: { workspaceId: string; deploymentId: string; start: number; end: number; intervalMs: number },
): Promise<MetricsInterval[]> {
  // D1 binds JS numbers as REAL: the bucket number is cast back to an integer
  const bucket = "CAST((time - ?2) / ?4 AS INTEGER)";
  const counts = d1
    .prepare(
      `SELECT ${bucket} AS b, COUNT(*) AS n,
         SUM(response_status < 200) AS s1, SUM(response_status >= 200 AND response_status < 300) AS s2,
         SUM(response_status >= 300 AND response_status < 400) AS s3, SUM(response_status >= 400 AND response_status < 500) AS s4,
         SUM(response_status >= 500) AS s5, SUM(cpu_time) AS cpu, AVG(cpu_time) AS cpu_avg
       FROM gateway_requests_v1 WHERE workspace_id = ?1 AND deployment_id = ?5 AND time >= ?2 AND time < ?3 GROUP BY b`,
    )
    .bind(q.workspaceId, q.start, q.end, q.intervalMs, q.deploymentId);
  const pct = d1
    .prepare(
      `WITH r AS (
         SELECT ${bucket} AS b, total_latency AS l,
                ROW_NUMBER() OVER (PARTITION BY ${bucket} ORDER BY total_latency) AS rn,
                COUNT(*) OVER (PARTITION BY ${bucket}) AS n
         FROM gateway_requests_v1 WHERE workspace_id = ?1 AND deployment_id = ?5 AND time >= ?2 AND time < ?3)
       SELECT b, ${P.map((p) => `MIN(CASE WHEN rn * 100 >= n * ${p} THEN l END) AS p${p}`).join(", ")} FROM r GROUP BY b`,
    )
    .bind(q.workspaceId, q.start, q.end, q.intervalMs, q.deploymentId);
  const [c, p] = await d1.batch([counts, pct]);
  type C = { b: number; n: number; s1: number; s2: number; s3: number; s4: number; s5: number; cpu: number | null; cpu_avg: number | null };
  const byCount = new Map((c!.results as C[]).map((r) => [r.b, r]));
  const byPct = new Map((p!.results as Record<string, number>[]).map((r) => [r.b!, r]));
  const out: MetricsInterval[] = [];
  for (let start = q.start, b = 0; start < q.end; start += q.intervalMs, b++) {
    const end = Math.min(start + q.intervalMs, q.end);
    const r = byCount.get(b);
    const l = byPct.get(b);
    const n = r?.n ?? 0;
    out.push({
      start,
      end,
      requests: n,
      requestsPerSecond: Math.round((n / ((end - start) / 1000)) * 1000) / 1000,
      statusClasses: { "1xx": r?.s1 ?? 0, "2xx": r?.s2 ?? 0, "3xx": r?.s3 ?? 0, "4xx": r?.s4 ?? 0, "5xx": r?.s5 ?? 0 },
      latencyMs: { p50: l?.p50 ?? null, p75: l?.p75 ?? null, p90: l?.p90 ?? null, p95: l?.p95 ?? null, p99: l?.p99 ?? null },
      cpuTimeMs: { total: r?.cpu ?? null, average: r?.cpu_avg === null || r?.cpu_avg === undefined ? null : Math.round(r.cpu_avg * 1000) / 1000 },
    });
  }
  return out;
}
