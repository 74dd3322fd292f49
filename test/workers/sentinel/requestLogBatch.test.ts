import { describe, expect, it } from "vitest";
import type { GatewayRequestRow } from "../../../workers/lib/analytics/messages";
import type { ApiRpc } from "../../../workers/sentinel/env";
import { MAX_BATCH_ROWS, shipRequestLog } from "../../../workers/sentinel/requestLogBatch";

/** An API surface that records each recordGatewayRequests call (the batching is ours, not the runtime's). */
function recorder() {
  const calls: string[][] = [];
  const api = { recordGatewayRequests: async (rows: GatewayRequestRow[]) => void calls.push(rows.map((r) => r.request_id)) } as unknown as ApiRpc;
  return { api, calls };
}
const row = (id: string) => ({ request_id: id }) as GatewayRequestRow;

describe("Sentinel request-log batching", () => {
  it("rows logged while a batch is open leave in one RPC, once the batch's window has passed", async () => {
    const { api, calls } = recorder();
    const first = shipRequestLog(api, row("a"), 20);
    await shipRequestLog(api, row("b"), 20);
    await shipRequestLog(api, row("c"), 20);
    expect(calls).toEqual([]);
    await first;
    expect(calls).toEqual([["a", "b", "c"]]);
    // the next row opens a new batch
    await shipRequestLog(api, row("d"), 1);
    expect(calls).toEqual([["a", "b", "c"], ["d"]]);
  });

  it("a full batch is sent as it is and the next row opens another", async () => {
    const { api, calls } = recorder();
    const sends = Array.from({ length: MAX_BATCH_ROWS + 1 }, (_, i) => shipRequestLog(api, row(`r${i}`), 5));
    await Promise.all(sends);
    expect(calls.map((c) => c.length)).toEqual([MAX_BATCH_ROWS, 1]);
  });

  it("each API binding has its own batch", async () => {
    const one = recorder();
    const two = recorder();
    await Promise.all([shipRequestLog(one.api, row("x"), 5), shipRequestLog(two.api, row("y"), 5)]);
    expect([one.calls, two.calls]).toEqual([[["x"]], [["y"]]]);
  });
});
