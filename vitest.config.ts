import { defineConfig } from "vitest/config";
// @ts-expect-error plain ESM script
import { buildAssets } from "./scripts/build-assets.mjs";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";

// the workspace packages from source, so tests need no `npm run build:packages` first
const packageAliases = Object.fromEntries(
  ["core", "hono", "nextjs"].map((p) => [`@keyforge/${p}`, fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url))]),
);

// the static assets wrangler.toml [assets] names must exist before any Worker starts
buildAssets();

/**
 * Two projects:
 * - `workers`: in-runtime tests (workerd via @cloudflare/vitest-plugin) against real D1,
 *   Durable Object, Queue and Cache simulators, with the D1 migrations applied in setup. Files
 *   share their runtime and module graph (isolate: false): a fresh Worker per file cost ~0.9 s
 *   each, five times the tests' own time; every test makes its own workspace, so none depends on
 *   an empty database or a cold per-isolate cache.
 * - `e2e`: Node tests against the local runner (scripts/lib/runner.mjs): ONE shared instance per
 *   run (test/e2e/setup/runner.ts), driven over HTTP with the official SDKs and the CLI; test
 *   workers are reused across files (isolate: false).
 * The slowest files are printed at the end (test/reporters/slowest.ts).
 */
export default defineConfig({
  test: {
    reporters: ["default", "./test/reporters/slowest.ts"],
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_KEY: "test-admin-key",
                // the portal's address (lib/portal/origin.ts): SELF.fetch requests go to http://api.test
                API_BASE_URL: "http://api.test",
                // test-only key-encryption key for recoverable keys (id:base64 of 32 bytes)
                ENCRYPTION_KEYS: "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                TEST_MIGRATIONS: await readD1Migrations("./schema/migrations"),
                TEST_ANALYTICS_MIGRATIONS: await readD1Migrations("./schema/analytics-migrations"),
                // cases per endpoint in test/workers/reliability (long mode: npm run test:fuzz)
                FUZZ_RUNS: process.env.FUZZ_RUNS ?? "12",
                // "long" runs the rate-limit accuracy suite over many more windows (test/durable-objects)
                RATELIMIT_ACCURACY: process.env.RATELIMIT_ACCURACY ?? "",
              },
              // a second Worker that calls ApiEntrypoint.verifyKey over a service binding
              // KEYFORGE: the API's own ApiEntrypoint, for the middleware packages' service-binding mode
              serviceBindings: { RPC_CLIENT: "rpc-client", KEYFORGE: { name: "vitest-plugin-runner-workers", entrypoint: "ApiEntrypoint" } },
              workers: [
                {
                  name: "rpc-client",
                  modules: true,
                  scriptPath: "./test/fixtures/rpc-client/worker.js",
                  compatibilityDate: "2026-11-01",
                  serviceBindings: { API: { name: "vitest-plugin-runner-workers", entrypoint: "ApiEntrypoint" } },
                },
              ],
            },
          })),
        ],
        resolve: { alias: packageAliases },
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts", "test/durable-objects/**/*.test.ts", "test/packages/**/*.test.ts"],
          setupFiles: ["./test/setup/applyMigrations.ts"],
          isolate: false,
          // the two projects run one after the other (their worker counts differ): this one first
          sequence: { groupOrder: 0 },
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias: packageAliases },
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/e2e/setup/runner.ts"],
          isolate: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // files wait on the runner's sockets far more than on the CPU: two at a time
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
