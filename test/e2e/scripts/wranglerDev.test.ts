// Plain `npx wrangler dev` keeps working for the API Worker alone (README → Run the API Worker
// with wrangler dev), with its dev registry inside the checkout.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the scripts
import { ROOT, applyLocalMigrations, startWrangler } from "../../../scripts/lib/wrangler.mjs";

describe("wrangler dev (API Worker alone)", () => {
  it("serves /v2/liveness and a migrated D1", async () => {
    const persistTo = mkdtempSync(path.join(tmpdir(), "keyforge-wrangler-dev-"));
    const previous = process.env.WRANGLER_REGISTRY_PATH;
    process.env.WRANGLER_REGISTRY_PATH = path.join(ROOT, ".wrangler/registry");
    let server: { url: string; stop(): Promise<void>; logs(): string } | undefined;
    try {
      applyLocalMigrations({ persistTo });
      server = await startWrangler({ persistTo, vars: { ADMIN_KEY: "wrangler-dev-admin-key" } });
      const live = await fetch(`${server!.url}/v2/liveness`);
      expect(live.status).toBe(200);
      expect(((await live.json()) as any).data.message).toBe("OK");
      // the database is there: the admin key creates a workspace
      const ws = await fetch(`${server!.url}/v2/workspaces.createWorkspace`, {
        method: "POST",
        headers: { authorization: "Bearer wrangler-dev-admin-key", "content-type": "application/json" },
        body: JSON.stringify({ name: "wrangler dev" }),
      });
      expect(ws.status, server!.logs()).toBe(200);
    } finally {
      await server?.stop();
      if (previous === undefined) delete process.env.WRANGLER_REGISTRY_PATH;
      else process.env.WRANGLER_REGISTRY_PATH = previous;
      rmSync(persistTo, { recursive: true, force: true });
    }
  }, 180_000);
});
