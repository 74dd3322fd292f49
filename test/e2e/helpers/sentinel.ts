import { existsSync, readFileSync } from "node:fs";
import { E2E_ADMIN_KEY, sharedRunner, startRunnerInstance } from "./runner";

export interface SentinelStack {
  api: string;
  sentinel: string;
  adminKey: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * The API Worker, the Sentinel and the upstream test Worker (service binding ECHO of the
 * Sentinel) in one local runner. Without vars: the run's shared runner (stop() does nothing);
 * with `sentinelVars` / `apiVars` (the API Worker's): a dedicated runner on fresh state.
 */
export async function startSentinelStack(opts: { sentinelVars?: Record<string, string>; apiVars?: Record<string, string> } = {}): Promise<SentinelStack> {
  const shared = sharedRunner();
  const none = (v?: Record<string, string>) => !v || Object.keys(v).length === 0;
  if (shared && none(opts.sentinelVars) && none(opts.apiVars)) {
    return {
      api: shared.url,
      sentinel: shared.sentinelUrl,
      adminKey: E2E_ADMIN_KEY,
      logs: () => (existsSync(shared.logFile) ? readFileSync(shared.logFile, "utf8") : ""),
      stop: async () => {},
    };
  }
  const r = await startRunnerInstance({ vars: opts.apiVars, sentinelVars: opts.sentinelVars });
  return { api: r.url, sentinel: r.sentinelUrl, adminKey: E2E_ADMIN_KEY, logs: r.logs, stop: r.stop };
}
