import type { GatewayRequestRow } from "../lib/analytics/messages";
import type { ApiRpc } from "./env";

/**
 * Request-log rows leave the Sentinel in batches: the first row of a burst waits FLUSH_AFTER_MS
 * (in its own request's waitUntil, never on the response path), and every row logged by this
 * isolate until then goes in the same RPC, so one `recordGatewayRequests` call (and one Queue
 * sendBatch behind it) carries the rows of many requests instead of one each.
 */
export const FLUSH_AFTER_MS = 10;
/** The API accepts at most 1000 rows per call (lib/deploy/requestLog.ts). */
export const MAX_BATCH_ROWS = 500;

/** Per isolate, per API binding: the rows of the batch still open. */
const open = new WeakMap<ApiRpc, GatewayRequestRow[]>();

/**
 * Adds the row to this isolate's open batch. The request that opened the batch gets the promise
 * of its send (its waitUntil keeps the isolate on it); later rows resolve at once, as a promise of
 * one request's I/O must not be awaited by another.
 */
export function shipRequestLog(api: ApiRpc, row: GatewayRequestRow, flushAfterMs = FLUSH_AFTER_MS): Promise<void> {
  const current = open.get(api);
  if (current && current.length < MAX_BATCH_ROWS) {
    current.push(row);
    return Promise.resolve();
  }
  const rows = [row];
  open.set(api, rows);
  return (async () => {
    await new Promise((r) => setTimeout(r, flushAfterMs));
    if (open.get(api) === rows) open.delete(api);
    await api.recordGatewayRequests(rows);
  })();
}
