import { createRoute, z } from "@hono/zod-openapi";
import { eq, inArray } from "drizzle-orm";
import type { Context } from "hono";
import type { BatchItem } from "drizzle-orm/batch";
import type { AppEnv } from "../../../lib/env";
import { db, schema } from "../../../lib/db";
import { sha256Base64 } from "../../../lib/crypto";
import { ApiError } from "../../../lib/errors";
import { auditInserts, type Actor } from "../../../lib/audit";
import { invalidateKeys } from "../../../lib/keys/invalidate";
import { verifyGithubSignature } from "../../../lib/github/signature";
import { DEFAULT_GITHUB_KEYS_URL, githubPublicKeys } from "../../../lib/github/publicKeys";
import { ErrorBody, type App } from "../../route";
import { emitWebhookEvent } from "../../../lib/webhooks/emit";
import { emitKeyEvent } from "../../../lib/webhooks/keyEvents";

const PATH = "/v2/github.secretScanning";

const Alert = z.object({
  token: z.string().min(1).max(4096),
  type: z.string().min(1).max(255),
  url: z.string().max(4096).optional(),
  source: z.string().max(255).optional(),
});
const Alerts = z.array(Alert).min(1).max(1000);

const Label = z.union([
  z.object({ token_raw: z.string(), token_type: z.string(), label: z.literal("true_positive") }),
  z.object({ token_hash: z.string(), token_type: z.string(), label: z.literal("false_positive") }),
]);

// Documented in /openapi.json; served by a plain handler because the signature covers the raw
// body bytes, which a JSON validator would consume first.
const route = createRoute({
  method: "post",
  path: PATH,
  operationId: "github.secretScanning",
  summary: "GitHub secret scanning partner endpoint",
  description:
    "Called by GitHub when it finds tokens matching our patterns in public code. Unauthenticated but signature-checked (headers Github-Public-Key-Identifier and Github-Public-Key-Signature, ECDSA P-256 over the raw body, keys from GITHUB_KEYS_URL). Root keys, and keys of APIs with secretScanning enabled, are classified as true positives and audited; in workspaces with disableLeakedKeys they are disabled at once.",
  tags: ["github"],
  security: [],
  request: { body: { required: true, content: { "application/json": { schema: Alerts.openapi("GithubSecretScanningAlerts") } } } },
  responses: {
    201: { description: "One label per reported token", content: { "application/json": { schema: z.array(Label).openapi("GithubSecretScanningLabels") } } },
    400: { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
    401: { description: "Bad signature", content: { "application/json": { schema: ErrorBody } } },
    500: { description: "Internal server error", content: { "application/json": { schema: ErrorBody } } },
  },
});

export const register = (app: App) => {
  app.openAPIRegistry.registerPath(route);
  app.post(PATH, handle);
};

const SYSTEM: Actor = { type: "system", id: "github.secretScanning", name: "GitHub secret scanning" };

async function handle(c: Context<AppEnv>) {
  const keyId = c.req.header("github-public-key-identifier");
  const signature = c.req.header("github-public-key-signature");
  const raw = await c.req.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const alerts = Alerts.safeParse(parsed);
  if (!keyId || !signature || !alerts.success) {
    throw new ApiError(
      "unkey/application/invalid_input",
      "Invalid webhook request: expected signature headers and a non-empty JSON array of {token, type, url, source}.",
    );
  }

  let keys: Awaited<ReturnType<typeof githubPublicKeys>>;
  try {
    keys = await githubPublicKeys(c.var.scope.cache, c.env.GITHUB_KEYS_URL ?? DEFAULT_GITHUB_KEYS_URL);
  } catch {
    throw new ApiError("unkey/application/service_unavailable", "GitHub's signing keys could not be fetched.");
  }
  const pem = keys.find((k) => k.key_identifier === keyId)?.key;
  if (!pem || !(await verifyGithubSignature(pem, signature, raw))) {
    throw new ApiError("unkey/authentication/invalid_signature", "The signature does not match GitHub's published keys.");
  }

  const d = db(c.env.DB);
  const hashes = await Promise.all(alerts.data.map((a) => sha256Base64(a.token)));
  const unique = [...new Set(hashes)];
  const [rootRows, keyRows] = await Promise.all([
    d
      .select({
        id: schema.rootKeys.id,
        hash: schema.rootKeys.hash,
        workspaceId: schema.rootKeys.workspaceId,
        deletedAt: schema.rootKeys.deletedAt,
        ws: schema.workspaces,
      })
      .from(schema.rootKeys)
      .innerJoin(schema.workspaces, eq(schema.workspaces.id, schema.rootKeys.workspaceId))
      .where(inArray(schema.rootKeys.hash, unique)),
    d
      .select({
        id: schema.keys.id,
        hash: schema.keys.hash,
        workspaceId: schema.keys.workspaceId,
        deletedAt: schema.keys.deletedAt,
        api: schema.apis,
        ws: schema.workspaces,
      })
      .from(schema.keys)
      .innerJoin(schema.apis, eq(schema.apis.keyspaceId, schema.keys.keyspaceId))
      .innerJoin(schema.workspaces, eq(schema.workspaces.id, schema.keys.workspaceId))
      .where(inArray(schema.keys.hash, unique)),
  ]);
  const liveRoot = new Map(rootRows.filter((r) => r.deletedAt === null && r.ws.deletedAt === null).map((r) => [r.hash, r]));
  const liveKey = new Map(
    keyRows.filter((r) => r.deletedAt === null && r.ws.deletedAt === null && r.api.deletedAt === null && r.api.secretScanning).map((r) => [r.hash, r]),
  );

  const writes: BatchItem<"sqlite">[] = [];
  const invalidateRoot: string[] = [];
  const invalidateKey: string[] = [];
  const handled = new Set<string>();
  // webhooks, emitted once the writes landed
  const events: (() => Promise<unknown>)[] = [];
  const labels = alerts.data.map((alert, i) => {
    const hash = hashes[i]!;
    const root = liveRoot.get(hash);
    const key = liveKey.get(hash);
    const hit = root ?? key;
    if (!hit) return { token_hash: hash, token_type: alert.type, label: "false_positive" as const };
    if (!handled.has(hash)) {
      handled.add(hash);
      const kind = root ? "rootKey" : "key";
      const disable = hit.ws.disableLeakedKeys;
      const meta = { source: alert.source ?? "unknown", url: alert.url ?? null, tokenType: alert.type, disabled: disable };
      const target = root ? { type: "rootKey", id: root.id } : { type: "key", id: key!.id };
      const leak = { source: meta.source, url: meta.url, tokenType: meta.tokenType, disabled: disable };
      if (root) {
        const r = root;
        events.push(() => emitWebhookEvent(c.env, r.workspaceId, { type: "root_key.leaked", data: { rootKeyId: r.id, ...leak } }));
        if (disable) events.push(() => emitWebhookEvent(c.env, r.workspaceId, { type: "key.disabled_leaked", data: { rootKeyId: r.id, ...leak } }));
      } else {
        const k = key!;
        events.push(() => emitKeyEvent(c.env, "key.leaked", k.id, leak));
        if (disable) events.push(() => emitKeyEvent(c.env, "key.disabled_leaked", k.id, leak));
      }
      writes.push(
        ...auditInserts(
          c.var.scope,
          hit.workspaceId,
          [
            {
              event: `${kind}.leaked`,
              description: `GitHub reported ${kind === "rootKey" ? "root key" : "key"} ${hit.id} as leaked${disable ? "; it was disabled" : ""}`,
              targets: [target],
              meta,
            },
          ],
          SYSTEM,
        ),
      );
      if (disable) {
        if (root) {
          writes.push(d.update(schema.rootKeys).set({ enabled: false, updatedAt: Date.now() }).where(eq(schema.rootKeys.id, root.id)));
          invalidateRoot.push(hash);
        } else {
          writes.push(d.update(schema.keys).set({ enabled: false, updatedAt: Date.now() }).where(eq(schema.keys.id, key!.id)));
          invalidateKey.push(hash);
        }
      }
    }
    return { token_raw: alert.token, token_type: alert.type, label: "true_positive" as const };
  });
  if (writes.length > 0) await d.batch(writes as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  if (invalidateRoot.length) await c.var.scope.cache.remove("rootKeyByHash", ...invalidateRoot);
  if (invalidateKey.length) await invalidateKeys(c.var.scope, ...invalidateKey);
  if (events.length) c.executionCtx.waitUntil(Promise.all(events.map((e) => e())));
  return c.json(labels, 201);
}
