import { defineConfig } from "drizzle-kit";

// The analytics database (binding ANALYTICS_DB): events, rollups, request logs, query quota.
export default defineConfig({
  dialect: "sqlite",
  schema: "./schema/analytics.ts",
  out: "./schema/analytics-migrations",
});
