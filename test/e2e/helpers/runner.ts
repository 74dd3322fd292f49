// The local runner for the e2e tests (scripts/lib/runner.mjs): ONE shared instance per e2e run,
// started by test/e2e/setup/runner.ts, and dedicated instances for suites that need their own
// vars, state or process. All use the bundles the global setup built once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
// @ts-expect-error plain ESM helpers shared with the scripts
import { prepare, readPrepared } from "../../../scripts/lib/runner.mjs";
// @ts-expect-error plain ESM helpers shared with the scripts
import { spawnRunner } from "../../../scripts/lib/spawnRunner.mjs";
// @ts-expect-error plain ESM helpers shared with the scripts
import { ROOT } from "../../../scripts/lib/wrangler.mjs";

export const E2E_ADMIN_KEY = "e2e-admin-key-0123456789";
// test-only key-encryption key, so tests never depend on a developer's .dev.vars
export const E2E_ENCRYPTION_KEYS = "e2e1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/** What the global setup provides to every e2e file. */
export interface SharedRunner {
  url: string;
  sentinelUrl: string;
  stateDir: string;
  logFile: string;
  preparedDir: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    keyforgeRunner: SharedRunner | undefined;
  }
}

export function sharedRunner(): SharedRunner | undefined {
  try {
    return inject("keyforgeRunner");
  } catch {
    return undefined; // outside a vitest run with the e2e global setup
  }
}

export interface RunnerOptions {
  /** extra vars of the API Worker */
  vars?: Record<string, string>;
  /** extra vars of the Sentinel */
  sentinelVars?: Record<string, string>;
  /** loopback destinations for the Workers' fetch() (default true: tests run local upstreams) */
  allowLocalDestinations?: boolean;
  /** an existing state directory (e.g. to restart on the same state); default a fresh one */
  stateDir?: string;
  port?: number;
  sentinelPort?: number;
  inspectorPort?: number;
  /** more Workers in the same process (v4 Miniflare worker options, JSON only), e.g. a customer Worker with a service binding to the API */
  extraWorkers?: Record<string, unknown>[];
}

export interface RunnerInstance {
  url: string;
  sentinelUrl: string;
  stateDir: string;
  pid: number;
  logs(): string;
  /** SIGTERM and wait (state is kept when the caller gave stateDir, else removed) */
  stop(): Promise<void>;
  /** e.g. SIGKILL: a crash */
  kill(signal?: NodeJS.Signals): void;
}

const UPSTREAM_WORKER = {
  name: "keyforge-test-upstream",
  modules: true,
  scriptPath: path.join(ROOT, "test/fixtures/upstream-worker.js"),
  compatibilityDate: "2026-11-01",
};

let ownBundle: Promise<string> | undefined;
/** The bundles: the global setup's, else built once per process. */
async function preparedDir(): Promise<string> {
  const shared = sharedRunner();
  if (shared) return shared.preparedDir;
  ownBundle ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "keyforge-bundle-"));
    await prepare({ outDir: dir });
    return dir;
  })();
  return ownBundle;
}

/**
 * The Sentinel may route `{"worker": "ECHO"}` upstreams to the test upstream Worker; NOT_BOUND is
 * listed but never bound, ECHO_UNLISTED bound but never listed (destination-policy tests).
 */
function appWorkerBindings(dir: string): string {
  const sentinel = readPrepared(dir).workers[1];
  let list: string[] = [];
  try {
    list = JSON.parse(sentinel?.options?.bindings?.APP_WORKER_BINDINGS ?? "[]");
  } catch {}
  return JSON.stringify([...new Set([...list, "ECHO", "NOT_BOUND"])]);
}

/** The runner spec of a test instance (shared by the global setup and dedicated instances). */
export function testSpec(dir: string, stateDir: string, o: RunnerOptions = {}) {
  return {
    preparedDir: dir,
    stateDir,
    port: o.port ?? 0,
    sentinelPort: o.sentinelPort ?? 0,
    // LOCAL_DEV: local development (the portal may use a loopback request's own origin, lib/portal/origin.ts)
    vars: { ADMIN_KEY: E2E_ADMIN_KEY, ENCRYPTION_KEYS: E2E_ENCRYPTION_KEYS, LOCAL_DEV: "1", ...o.vars },
    // SENTINEL_ROUTE_TTL_MS=0: e2e tests assert that the very next request sees a route change; the
    // 1 s route cache itself is tested in test/workers/sentinel/routing.test.ts
    sentinelVars: { APP_WORKER_BINDINGS: appWorkerBindings(dir), SENTINEL_ROUTE_TTL_MS: "0", ...o.sentinelVars },
    allowLocalDestinations: o.allowLocalDestinations ?? true,
    inspectorPort: o.inspectorPort,
    extraWorkers: [UPSTREAM_WORKER, ...(o.extraWorkers ?? [])],
    sentinelServices: { ECHO: { name: UPSTREAM_WORKER.name }, ECHO_UNLISTED: { name: UPSTREAM_WORKER.name } },
  };
}

/** A runner of its own (seconds: the bundles are prebuilt). */
export async function startRunnerInstance(o: RunnerOptions = {}, env: Record<string, string> = {}): Promise<RunnerInstance> {
  const dir = await preparedDir();
  const ownState = !o.stateDir;
  const stateDir = o.stateDir ?? mkdtempSync(path.join(tmpdir(), "keyforge-e2e-"));
  const r = await spawnRunner(testSpec(dir, stateDir, o), { env });
  return {
    url: r.url,
    sentinelUrl: r.sentinelUrl,
    stateDir,
    pid: r.pid,
    logs: r.logs,
    kill: r.kill,
    async stop() {
      await r.stop();
      if (ownState) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
