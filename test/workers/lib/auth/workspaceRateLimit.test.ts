import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, errorType, newWorkspace } from "../../../helpers/harness";

async function setLimit(workspaceId: string, apiRateLimitPerMinute: number | null) {
  const res = await call("workspaces.updateWorkspace", { workspaceId, apiRateLimitPerMinute }, ADMIN_KEY);
  expect(res.status).toBe(200);
}

/** Keeps a short test away from the last seconds of a minute, where the window rolls over. */
async function awayFromMinuteBoundary() {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((r) => setTimeout(r, left + 50));
}

describe("workspace API rate limit", () => {
  it("counts authenticated requests per minute, sends the RateLimit headers, then answers 429", async () => {
    const ws = await newWorkspace();
    await setLimit(ws.workspaceId, 3);
    await awayFromMinuteBoundary();
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call("identities.listIdentities", {}, ws.rootKey);
      expect(res.status).toBe(200);
      expect(res.headers.get("RateLimit-Limit")).toBe("3");
      const reset = Number(res.headers.get("RateLimit-Reset"));
      expect(reset).toBeGreaterThanOrEqual(0);
      expect(reset).toBeLessThanOrEqual(60);
      remaining.push(res.headers.get("RateLimit-Remaining")!);
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const denied = await call("identities.listIdentities", {}, ws.rootKey);
    expect(denied.status).toBe(429);
    expect(denied.body.error).toMatchObject({
      type: errorType("user/too_many_requests/workspace_rate_limited"),
      title: "Too Many Requests",
      detail: "This workspace has exceeded its API rate limit of 3/1m0s. Please try again later.",
      status: 429,
    });
    expect(denied.headers.get("RateLimit-Remaining")).toBe("0");
    expect(Number(denied.headers.get("Retry-After"))).toBeGreaterThanOrEqual(0);
    // other workspaces are not affected
    const other = await newWorkspace();
    expect((await call("identities.listIdentities", {}, other.rootKey)).status).toBe(200);
  });

  it("null means unlimited and sends no headers", async () => {
    const ws = await newWorkspace();
    await setLimit(ws.workspaceId, null);
    const res = await call("identities.listIdentities", {}, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit-Limit")).toBeNull();
  });

  it("0 rejects every request without headers", async () => {
    const ws = await newWorkspace();
    await setLimit(ws.workspaceId, 0);
    const res = await call("identities.listIdentities", {}, ws.rootKey);
    expect(res.status).toBe(429);
    expect(res.body.error!.type).toBe(errorType("user/too_many_requests/workspace_rate_limited"));
    expect(res.headers.get("RateLimit-Limit")).toBeNull();
    expect(res.headers.get("Retry-After")).toBeNull();
  });

  it("passes exactly the limit under concurrency", async () => {
    const ws = await newWorkspace();
    await setLimit(ws.workspaceId, 10);
    await awayFromMinuteBoundary();
    const res = await Promise.all(Array.from({ length: 25 }, () => call("identities.listIdentities", {}, ws.rootKey)));
    expect(res.filter((r) => r.status === 200)).toHaveLength(10);
    expect(res.filter((r) => r.status === 429)).toHaveLength(15);
  });
});
