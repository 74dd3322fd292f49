import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
// @ts-expect-error plain ESM helper shared with the scripts
import { applyLocalMigrations, ROOT, startWrangler } from "../../../scripts/lib/wrangler.mjs";
import { E2E_ADMIN_KEY, E2E_ENCRYPTION_KEYS } from "./server";

export interface SentinelStack {
  api: string;
  sentinel: string;
  adminKey: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * The API Worker, the Sentinel and the upstream test Worker under wrangler dev, sharing one
 * fresh local state, wired through their own dev registry (so concurrent stacks of the same
 * Worker names never see each other). The Sentinel runs from a copy of wrangler.sentinel.toml
 * with more service bindings, ECHO and ECHO_UNLISTED → the upstream test Worker.
 * Both Workers get ALLOW_LOCAL_DESTINATIONS=1 (tests use loopback origins) and the Sentinel
 * lists ECHO (and NOT_BOUND, listed but never bound) in APP_WORKER_BINDINGS; `apiVars` and
 * `sentinelVars` override these. SENTINEL_ROUTE_TTL_MS=0: these tests assert that the very next
 * request sees a route change; the 1 s route cache itself is tested in test/workers/sentinel/routing.test.ts.
 */
export async function startSentinelStack(opts: { sentinelVars?: Record<string, string>; apiVars?: Record<string, string> } = {}): Promise<SentinelStack> {
  const persistTo = mkdtempSync(path.join(tmpdir(), "keyforge-sentinel-e2e-"));
  const registry = mkdtempSync(path.join(tmpdir(), "keyforge-registry-"));
  const previousRegistry = process.env.WRANGLER_REGISTRY_PATH;
  process.env.WRANGLER_REGISTRY_PATH = registry;
  const restoreRegistry = () => {
    if (previousRegistry === undefined) delete process.env.WRANGLER_REGISTRY_PATH;
    else process.env.WRANGLER_REGISTRY_PATH = previousRegistry;
  };
  applyLocalMigrations({ persistTo });
  const config = path.join(ROOT, "test/fixtures", `.sentinel-e2e-${process.pid}.toml`);
  const base = readFileSync(path.join(ROOT, "wrangler.sentinel.toml"), "utf8")
    .replace('main = "workers/sentinel/index.ts"', 'main = "../../workers/sentinel/index.ts"')
    .replace('migrations_dir = "schema/migrations"', 'migrations_dir = "../../schema/migrations"');
  // ECHO_UNLISTED: the same Worker, bound but never listed in APP_WORKER_BINDINGS
  writeFileSync(config, `${base}\n[[services]]\nbinding = "ECHO"\nservice = "keyforge-test-upstream"\n\n[[services]]\nbinding = "ECHO_UNLISTED"\nservice = "keyforge-test-upstream"\n`);
  const started: { stop(): Promise<void>; logs(): string }[] = [];
  try {
    started.push(await startWrangler({ configs: ["test/fixtures/wrangler.upstream.toml"], readyPath: "/" }));
    const api = await startWrangler({ persistTo, vars: { ADMIN_KEY: E2E_ADMIN_KEY, ENCRYPTION_KEYS: E2E_ENCRYPTION_KEYS, ALLOW_LOCAL_DESTINATIONS: "1", ...opts.apiVars } });
    started.push(api);
    const sentinel = await startWrangler({ configs: [config], persistTo, readyPath: "/", vars: { ALLOW_LOCAL_DESTINATIONS: "1", APP_WORKER_BINDINGS: '["ECHO","NOT_BOUND"]', SENTINEL_ROUTE_TTL_MS: "0", ...opts.sentinelVars } });
    started.push(sentinel);
    return {
      api: api.url,
      sentinel: sentinel.url,
      adminKey: E2E_ADMIN_KEY,
      logs: () => started.map((s) => s.logs()).join("\n----\n"),
      async stop() {
        await Promise.all(started.map((s) => s.stop()));
        rmSync(config, { force: true });
        rmSync(persistTo, { recursive: true, force: true });
        rmSync(registry, { recursive: true, force: true });
        restoreRegistry();
      },
    };
  } catch (e) {
    await Promise.all(started.map((s) => s.stop()));
    rmSync(config, { force: true });
    restoreRegistry();
    throw e;
  }
}
