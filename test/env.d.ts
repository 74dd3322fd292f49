import type { Env as WorkerEnv } from "../workers/lib/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
      TEST_ANALYTICS_MIGRATIONS: import("cloudflare:test").D1Migration[];
      // the test-only bindings vitest.config.ts adds
      RPC_CLIENT: Fetcher;
      KEYFORGE: Service<typeof import("../workers/api/index").ApiEntrypoint>;
      FUZZ_RUNS: string;
      RATELIMIT_ACCURACY: string;
    }
  }
}
