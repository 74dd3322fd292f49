import { describe, expect, it } from "vitest";
import { formatLogLine, rowsOfTraceItems, severityOf } from "../../../workers/sentinel/runtimeLogs";

const props = { deploymentId: "dep_1", workspaceId: "ws_1", projectId: "proj_1", appId: "app_1", environmentId: "env_1", region: "local" };

describe("runtime log rows of the loader tail", () => {
  it("JSON log lines become attributes_text", () => {
    expect(formatLogLine(['{"user":"u1","n":2}'])).toEqual({ message: '{"user":"u1","n":2}', attributes: '{"user":"u1","n":2}' });
    expect(formatLogLine([{ a: 1 }])).toEqual({ message: '{"a":1}', attributes: '{"a":1}' });
    expect(formatLogLine(["plain", 3])).toEqual({ message: "plain 3", attributes: "{}" });
  });

  it("console levels map to the four severities", () => {
    expect(["debug", "trace", "log", "info", "warn", "error"].map(severityOf)).toEqual(["debug", "debug", "info", "info", "warn", "error"]);
  });

  it("console lines and uncaught exceptions become rows naming the tail's deployment", () => {
    const events = [
      {
        logs: [{ level: "warn", timestamp: 1000, message: ["careful", 1] }],
        exceptions: [{ name: "TypeError", message: "x is undefined", timestamp: 2000 }],
      },
    ];
    const rows = rowsOfTraceItems(events, props, 5000);
    expect(rows.map((r) => [r.time, r.severity, r.message, r.deployment_id, r.workspace_id, r.inserted_at])).toEqual([
      [1000, "warn", "careful 1", "dep_1", "ws_1", 5000],
      [2000, "error", "Uncaught TypeError: x is undefined", "dep_1", "ws_1", 5000],
    ]);
    expect(JSON.parse(rows[1]!.attributes_text)).toEqual({ exception: { name: "TypeError", message: "x is undefined" } });
  });
});
