import { describe, expect, it } from "vitest";
import { call, newApi, newWorkspace } from "../../../helpers/harness";

describe("smoke", () => {
  it("creates a workspace and an API", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const res = await call("apis.getApi", { apiId }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data.id).toBe(apiId);
  });
});
