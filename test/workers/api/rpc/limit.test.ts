import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, newWorkspace } from "../../../helpers/harness";
import { limitRpc } from "../../../../workers/api/rpc/limit";
import { createScope } from "../../../../workers/lib/scope";

const rpcClient = () => (env as unknown as { RPC_CLIENT: Fetcher }).RPC_CLIENT;

async function limitViaSecondWorker(input: Record<string, unknown>) {
  const res = await rpcClient().fetch("http://rpc-client/limit", { method: "POST", body: JSON.stringify(input) });
  return { status: res.status, body: (await res.json()) as { success: boolean; limit: number; remaining: number; reset: number; overrideId?: string } };
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

  it("applies a namespace's override, and shares its counters with ratelimit.limit, when named by its rlns_ id", async () => {
    const ws = await newWorkspace();
    const first = await call("ratelimit.limit", { namespace: "rpc-ovr", identifier: "vip", limit: 1, duration: 60_000 }, ws.rootKey);
    expect(first.body.data).toMatchObject({ success: true, limit: 1 });
    const set = await call("ratelimit.setOverride", { namespace: "rpc-ovr", identifier: "vip", limit: 3, duration: 60_000 }, ws.rootKey);
    const overrideId = set.body.data.overrideId as string;
    const nsId = await namespaceId(ws);
    const base = { workspaceId: ws.workspaceId, namespace: nsId, identifier: "vip", limit: 1, duration: 60_000 };
    // the override's 3 per window, not the 1 the caller asks for; one already spent over HTTP
    expect((await limitViaSecondWorker(base)).body).toMatchObject({ success: true, limit: 3, remaining: 1, overrideId });
    expect((await limitViaSecondWorker(base)).body).toMatchObject({ success: true, limit: 3, remaining: 0 });
    expect((await limitViaSecondWorker(base)).body).toMatchObject({ success: false, limit: 3 });
    // another identifier of the namespace has no override: the caller's limit
    expect((await limitViaSecondWorker({ ...base, identifier: "someone" })).body).toMatchObject({ success: true, limit: 1, remaining: 0 });
    expect((await limitViaSecondWorker({ ...base, identifier: "someone" })).body.overrideId).toBeUndefined();
    // the namespace's name is a counter name of its own: no override, separate counters
    expect((await limitViaSecondWorker({ ...base, namespace: "rpc-ovr" })).body).toMatchObject({ success: true, limit: 1, remaining: 0 });
  });
});

/** The id of the namespace "rpc-ovr" (ratelimit.limit answers do not carry it). */
async function namespaceId(ws: { workspaceId: string }): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM ratelimit_namespaces WHERE workspace_id = ? AND name = ?")
    .bind(ws.workspaceId, "rpc-ovr")
    .first<{ id: string }>();
  return row!.id;
}

describe("ApiEntrypoint.limit input", () => {
  const scope = () => createScope({ env, waitUntil: () => {}, requestId: "req_rpc_input" });
  const good = { workspaceId: "ws_rpc_input", namespace: "policy_in", identifier: "id", limit: 2, duration: 60_000 };

  it("is checked with ratelimit.limit's own schema: a bad limit, window or cost is refused before anything is counted", async () => {
    for (const [field, value] of [
      ["limit", 0],
      ["limit", 1.5],
      ["duration", 10],
      ["duration", Number.NaN],
      ["cost", -1],
      ["identifier", ""],
      ["workspaceId", ""],
    ] as const) {
      await expect(limitRpc(scope(), { ...good, [field]: value } as never)).rejects.toThrow(new RegExp(`^limit: ${field}: `));
    }
    // nothing above took a token
    expect(await limitRpc(scope(), good)).toMatchObject({ success: true, remaining: 1 });
  });
});
