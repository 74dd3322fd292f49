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

describe("audit.getLog", () => {
  it("returns one event of the workspace", async () => {
    const { reader } = await withEvents();
    const [first] = (await call<Log[]>("audit.listLogs", { limit: 1 }, reader)).body.data;
    const res = await call<Log>("audit.getLog", { logId: first!.id }, reader);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(first);
  });

  it("answers 404 audit_log_not_found for unknown ids and other workspaces' events", async () => {
    const a = await withEvents();
    const b = await withEvents();
    const [foreign] = (await call<Log[]>("audit.listLogs", { limit: 1 }, b.reader)).body.data;
    for (const logId of ["log_unknown", foreign!.id]) {
      const res = await call("audit.getLog", { logId }, a.reader);
      expect(res.status).toBe(404);
      expect(res.body.error!.type).toBe(errorType("unkey/data/audit_log_not_found"));
    }
  });

  it("needs workspace.*.read_audit_logs", async () => {
    const { ws } = await withEvents();
    const key = await rootKeyWith(ws.rootKey, ["api.*.read_analytics"]);
    expect((await call("audit.getLog", { logId: "log_x" }, key)).status).toBe(403);
  });
});
