import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const rpcClient = () => (env as unknown as { RPC_CLIENT: Fetcher }).RPC_CLIENT;

async function limitViaSecondWorker(input: Record<string, unknown>) {
  const res = await rpcClient().fetch("http://rpc-client/limit", { method: "POST", body: JSON.stringify(input) });
  return { status: res.status, body: (await res.json()) as { success: boolean; limit: number; remaining: number; reset: number } };
}

describe("ApiEntrypoint.limit from a second Worker", () => {
  it("counts on the same sliding windows, per workspace, namespace and identifier", async () => {
    const base = { workspaceId: "ws_rpc", namespace: "policy_1", identifier: `ip-${Math.random()}`, limit: 2, duration: 60_000 };
    const a = await limitViaSecondWorker(base);
    expect(a.body).toMatchObject({ success: true, limit: 2, remaining: 1 });
    expect(a.body.reset % 60_000).toBe(0);
    expect((await limitViaSecondWorker(base)).body).toMatchObject({ success: true, remaining: 0 });
    expect((await limitViaSecondWorker(base)).body).toMatchObject({ success: false, remaining: 0 });
    expect((await limitViaSecondWorker({ ...base, workspaceId: "ws_other" })).body.success).toBe(true);
    expect((await limitViaSecondWorker({ ...base, namespace: "policy_2" })).body.success).toBe(true);
  });
});
