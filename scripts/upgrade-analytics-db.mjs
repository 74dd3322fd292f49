#!/usr/bin/env node
// `npm run upgrade:analytics-db [-- --remote] [-- --persist-to DIR]`: moves analytics rows an
// older version left in the main database (DB) to the analytics database (ANALYTICS_DB), then
// applies the DB migrations that drop the old tables (docs/analytics.md → Upgrading).
// On Cloudflare: create and migrate ANALYTICS_DB and deploy this version first.
import { parseArgs } from "node:util";
import { wranglerSync } from "./lib/wrangler.mjs";
import { upgradeAnalyticsDb } from "./lib/upgradeAnalyticsDb.mjs";

const { values } = parseArgs({ options: { remote: { type: "boolean" }, "persist-to": { type: "string" }, config: { type: "string" } } });
const config = values.config ?? "wrangler.toml";
const where = values.remote ? ["--remote"] : ["--local", ...(values["persist-to"] ? ["--persist-to", values["persist-to"]] : [])];
const apply = (binding) => wranglerSync(["d1", "migrations", "apply", binding, ...where, "-c", config], { env: { CI: "true" }, stdio: "inherit" });

apply("ANALYTICS_DB");
const { moved } = upgradeAnalyticsDb({ config, persistTo: values["persist-to"], remote: !!values.remote });
console.log(`analytics upgrade: ${moved} rows moved to ANALYTICS_DB`);
apply("DB");
