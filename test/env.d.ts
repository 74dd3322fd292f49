import type { Env as WorkerEnv } from "../workers/lib/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
      TEST_ANALYTICS_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
  }
}
export {};
