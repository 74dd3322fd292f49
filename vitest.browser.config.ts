import { defineConfig } from "vitest/config";
// @ts-expect-error plain ESM script
import { buildAssets } from "./scripts/build-assets.mjs";

// the static assets wrangler.toml [assets] names must exist before any Worker starts
buildAssets();

/**
 * The browser tier (`npm run test:browser`), apart from `npm test` because it needs Debian's
 * chromium at /usr/bin/chromium: the API runs in the local runner (one shared instance, as for the
 * e2e project) and playwright-core drives headless chromium through the customer portal as an
 * end user would.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/e2e/setup/runner.ts"],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
