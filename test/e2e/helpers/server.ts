import { existsSync, readFileSync } from "node:fs";
import { E2E_ADMIN_KEY, E2E_ENCRYPTION_KEYS, sharedRunner, startRunnerInstance, type RunnerOptions } from "./runner";

export { E2E_ADMIN_KEY, E2E_ENCRYPTION_KEYS };

export interface TestServer {
  url: string;
  /** the Sentinel of the same runner */
  sentinelUrl: string;
  adminKey: string;
  /** the runner's state directory (D1 and Durable Object SQLite files live under v3/) */
  persistTo: string;
  /** a workspace created for this server, with a full-access root key */
  newWorkspace(name?: string): Promise<{ workspaceId: string; rootKey: string; rootKeyId: string }>;
  /** no-op on the shared runner */
  stop(): Promise<void>;
  logs(): string;
}

function server(url: string, sentinelUrl: string, persistTo: string, logs: () => string, stop: () => Promise<void>): TestServer {
  return {
    url,
    sentinelUrl,
    adminKey: E2E_ADMIN_KEY,
    persistTo,
    logs,
    stop,
    async newWorkspace(name = "e2e") {
      const res = await fetch(`${url}/v2/workspaces.createWorkspace`, {
        method: "POST",
        headers: { authorization: `Bearer ${E2E_ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      const body = (await res.json()) as { data: { workspaceId: string; rootKey: string; rootKeyId: string } };
      if (res.status !== 200) throw new Error(`createWorkspace: ${res.status} ${JSON.stringify(body)}`);
      return body.data;
    },
  };
}

/**
 * The API Worker (and its Sentinel) of the local runner. Without options: the run's shared
 * runner (each suite works in its own workspaces; stop() does nothing). With vars or other
 * options: a dedicated runner on fresh state, started in seconds.
 */
export async function startApi(opts: RunnerOptions = {}): Promise<TestServer> {
  const shared = sharedRunner();
  if (shared && Object.keys(opts).every((k) => (opts as Record<string, unknown>)[k] === undefined || (k === "vars" && Object.keys(opts.vars!).length === 0))) {
    return server(
      shared.url,
      shared.sentinelUrl,
      shared.stateDir,
      () => (existsSync(shared.logFile) ? readFileSync(shared.logFile, "utf8") : ""),
      async () => {},
    );
  }
  const r = await startRunnerInstance(opts);
  return server(r.url, r.sentinelUrl, r.stateDir, r.logs, r.stop);
}
