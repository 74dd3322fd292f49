import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorType, newApi, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

type Log = {
  id: string;
  time: number;
  event: string;
  actor: { type: string; id: string };
  targets: { type: string; id: string }[];
  workspaceId: string;
  bucket: string;
  description: string;
};

async function withEvents() {
  const ws = await newWorkspace("audit");
  const apis: string[] = [];
  for (let i = 0; i < 3; i++) apis.push(await newApi(ws.rootKey, `audit-api-${i}`));
  const reader = await rootKeyWith(ws.rootKey, ["workspace.*.read_audit_logs"]);
  return { ws, apis, reader };
}

describe("audit.listLogs", () => {
  it("lists the workspace's events newest first with actor and targets", async () => {
    const { ws, apis, reader } = await withEvents();
    const res = await call<Log[]>("audit.listLogs", { events: ["api.create"] }, reader);
    expect(res.status).toBe(200);
    expect(res.body.data.map((l) => l.targets.find((t) => t.type === "api")?.id)).toEqual([...apis].reverse());
    for (const l of res.body.data) {
      expect(l.id).toMatch(/^log_/);
      expect(l.workspaceId).toBe(ws.workspaceId);
      expect(l.bucket).toBe("unkey_mutations");
      expect(l.actor).toMatchObject({ type: "rootkey", id: ws.rootKeyId });
      expect(l.description).toBeTruthy();
    }
    const times = res.body.data.map((l) => l.time);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("pages with a cursor without repeating or skipping events", async () => {
    const { reader } = await withEvents();
    const all = await call<Log[]>("audit.listLogs", { limit: 200 }, reader);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await call<Log[]>("audit.listLogs", { limit: 2, ...(cursor ? { cursor } : {}) }, reader);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((l) => l.id));
      cursor = res.body.pagination!.cursor;
      expect(res.body.pagination!.hasMore).toBe(!!cursor);
    } while (cursor);
    expect(seen).toEqual(all.body.data.map((l) => l.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("filters by event, actor, root key, bucket and time range", async () => {
    const { ws, reader } = await withEvents();
    const byActor = await call<Log[]>("audit.listLogs", { actorIds: [ws.rootKeyId] }, reader);
    expect(byActor.body.data.length).toBeGreaterThanOrEqual(3);
    expect(byActor.body.data.every((l) => l.actor.id === ws.rootKeyId)).toBe(true);
    const byRootKey = await call<Log[]>("audit.listLogs", { rootKeyIds: [ws.rootKeyId] }, reader);
    expect(byRootKey.body.data.map((l) => l.id)).toEqual(byActor.body.data.map((l) => l.id));
    expect((await call<Log[]>("audit.listLogs", { actorIds: ["nobody"] }, reader)).body.data).toEqual([]);
    expect((await call<Log[]>("audit.listLogs", { bucket: "other" }, reader)).body.data).toEqual([]);
    expect((await call<Log[]>("audit.listLogs", { events: ["key.create"] }, reader)).body.data).toEqual([]);
    const future = Date.now() + 60_000;
    expect((await call<Log[]>("audit.listLogs", { startTime: future }, reader)).body.data).toEqual([]);
    expect((await call<Log[]>("audit.listLogs", { endTime: 1 }, reader)).body.data).toEqual([]);
    const everything = await call<Log[]>("audit.listLogs", {}, reader);
    expect((await call<Log[]>("audit.listLogs", { since: "1h" }, reader)).body.data).toEqual(everything.body.data);
    expect((await call("audit.listLogs", { since: "yesterday" }, reader)).status).toBe(400);
  });

  it("never shows another workspace's events", async () => {
    const a = await withEvents();
    const b = await withEvents();
    const res = await call<Log[]>("audit.listLogs", { limit: 200 }, a.reader);
    expect(res.body.data.every((l) => l.workspaceId === a.ws.workspaceId)).toBe(true);
    const other = await call<Log[]>("audit.listLogs", { limit: 200 }, b.reader);
    const ids = new Set(res.body.data.map((l) => l.id));
    expect(other.body.data.some((l) => ids.has(l.id))).toBe(false);
  });

  it("hides events older than the workspace's audit retention", async () => {
    const { ws, reader } = await withEvents();
    await env.DB.prepare(
      "INSERT INTO audit_logs (id, workspace_id, event, time, description, actor_type, actor_id, targets) VALUES (?, ?, 'api.create', ?, 'old', 'system', 'sys', '[]')",
    )
      .bind("log_ancient", ws.workspaceId, Date.now() - 400 * 86_400_000)
      .run();
    const res = await call<Log[]>("audit.listLogs", { limit: 200, startTime: 0 }, reader);
    expect(res.body.data.some((l) => l.id === "log_ancient")).toBe(false);
  });

  it("needs workspace.*.read_audit_logs", async () => {
    const { ws } = await withEvents();
    const key = await rootKeyWith(ws.rootKey, ["api.*.read_api"]);
    const res = await call("audit.listLogs", {}, key);
    expect(res.status).toBe(403);
    expect(res.body.error!.type).toBe(errorType("unkey/authorization/insufficient_permissions"));
  });

  it("rejects malformed cursors and limits with 400", async () => {
    const { reader } = await withEvents();
    for (const body of [{ cursor: "%%%" }, { cursor: btoa("12:nope") }, { limit: 0 }, { limit: 201 }, { events: [] }]) {
      const res = await call("audit.listLogs", body, reader);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
    }
  });
});
