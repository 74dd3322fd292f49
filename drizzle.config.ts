import { defineConfig } from "drizzle-kit";

// The main database (binding DB). The analytics tables live in their own database:
// drizzle.analytics.config.ts (`npm run db:generate` generates both).
export default defineConfig({
  dialect: "sqlite",
  schema: [
    "./schema/workspaces.ts",
    "./schema/apis.ts",
    "./schema/keys.ts",
    "./schema/identities.ts",
    "./schema/rbac.ts",
    "./schema/ratelimits.ts",
    "./schema/audit.ts",
    "./schema/portal.ts",
    "./schema/deploy.ts",
    "./schema/webhooks.ts",
  ],
  out: "./schema/migrations",
});
