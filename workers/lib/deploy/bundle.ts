import { z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db";
import { schema } from "../db";
import { ApiError, invalidInput } from "../errors";

/**
 * Code bundles (docs/deploy.md): what `unkey deploy` uploads. A bundle is stored in R2
 * (binding BUNDLES) under `bundles/<workspaceId>/<sha256>` as its canonical JSON, and its
 * metadata in D1 (`deploy_bundles`). The SHA-256 is over that canonical JSON, so an identical
 * re-deploy sends only `bundleSha256`. Content addressing is per workspace: asking for a hash
 * another workspace uploaded answers bundle_not_found.
 */

export const MODULE_TYPES = ["esm", "json", "text", "wasm", "data"] as const;
export type ModuleType = (typeof MODULE_TYPES)[number];

export interface BundleModule {
  name: string;
  type: ModuleType;
  /** base64 for wasm and data, the text itself otherwise */
  content: string;
}

export interface Bundle {
  mainModule: string;
  modules: BundleModule[];
  compatibilityDate: string;
  compatibilityFlags: string[];
}

/** Module names: relative paths without `..`; names starting `__unkey` are ours (runtime wrappers). */
const ModuleName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))(?!__unkey)[A-Za-z0-9._\-/@+]+$/);

export const BundleInput = z
  .object({
    mainModule: ModuleName,
    modules: z
      .array(z.object({ name: ModuleName, type: z.enum(MODULE_TYPES), content: z.string() }).strict())
      .min(1)
      .max(1000),
    compatibilityDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    compatibilityFlags: z
      .array(
        z
          .string()
          .min(1)
          .max(128)
          .regex(/^[a-z0-9_]+$/),
      )
      .max(64)
      .optional(),
  })
  .strict()
  .openapi("DeploymentBundle", {
    description:
      "Our extension: a Worker bundle to run at the edge through the Worker Loader (what `unkey deploy` uploads). `content` is base64 for `wasm` and `data` modules, the text itself otherwise. The main module must be an `esm` module whose default export has a `fetch` handler.",
  });

export const BundleSha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** Limits (docs/deploy.md). Workspace caps can be raised per deployment with Worker vars. */
export const MAX_UPLOAD_BODY_BYTES = 25 * 1024 * 1024;
export const MAX_BUNDLE_GZIP_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_BUNDLES_PER_WORKSPACE = 200;
export const DEFAULT_MAX_BUNDLE_STORAGE_BYTES = 1024 * 1024 * 1024;

export interface BundleCaps {
  maxBundles: number;
  maxStoredBytes: number;
}

export function bundleCaps(env: { DEPLOY_MAX_BUNDLES?: string; DEPLOY_MAX_BUNDLE_STORAGE_BYTES?: string }): BundleCaps {
  const n = (v: unknown, d: number) => (Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  return {
    maxBundles: n(env.DEPLOY_MAX_BUNDLES, DEFAULT_MAX_BUNDLES_PER_WORKSPACE),
    maxStoredBytes: n(env.DEPLOY_MAX_BUNDLE_STORAGE_BYTES, DEFAULT_MAX_BUNDLE_STORAGE_BYTES),
  };
}

/** The one serialisation that is hashed and stored (key order fixed, flags always a list). */
export function canonicalBundle(b: z.infer<typeof BundleInput>): { bundle: Bundle; json: string } {
  const bundle: Bundle = {
    mainModule: b.mainModule,
    modules: b.modules.map((m) => ({ name: m.name, type: m.type, content: m.content })),
    compatibilityDate: b.compatibilityDate,
    compatibilityFlags: b.compatibilityFlags ?? [],
  };
  return { bundle, json: JSON.stringify(bundle) };
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return size;
    size += value.byteLength;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** What zod cannot say: the main module exists and is ESM, names are unique, base64 decodes, JSON parses. */
export function checkBundleShape(b: Bundle, at: string): void {
  const seen = new Set<string>();
  b.modules.forEach((m, i) => {
    if (seen.has(m.name))
      throw invalidInput(`The module name '${m.name}' appears twice.`, [{ location: `${at}/modules/${i}/name`, message: "duplicate module name" }]);
    seen.add(m.name);
    if ((m.type === "wasm" || m.type === "data") && (m.content.length % 4 !== 0 || !BASE64.test(m.content))) {
      throw invalidInput(`The ${m.type} module '${m.name}' is not valid base64.`, [{ location: `${at}/modules/${i}/content`, message: "not base64" }]);
    }
    if (m.type === "json") {
      try {
        JSON.parse(m.content);
      } catch {
        throw invalidInput(`The json module '${m.name}' is not valid JSON.`, [{ location: `${at}/modules/${i}/content`, message: "not JSON" }]);
      }
    }
  });
  const main = b.modules.find((m) => m.name === b.mainModule);
  if (!main)
    throw invalidInput(`The main module '${b.mainModule}' is not in modules.`, [{ location: `${at}/mainModule`, message: "not one of modules[].name" }]);
  if (main.type !== "esm")
    throw invalidInput(`The main module '${b.mainModule}' must be an esm module.`, [{ location: `${at}/mainModule`, message: "main module is not esm" }]);
}

export const bundleNotFound = () =>
  new ApiError("unkey/data/bundle_not_found", "No bundle with this SHA-256 is stored for the workspace. Upload it with `bundle`.");

const objectKey = (workspaceId: string, sha: string) => `bundles/${workspaceId}/${sha}`;

export interface StoredBundleRef {
  sha256: string;
  mainModule: string;
  compatibilityDate: string;
}

/**
 * Validates and stores an uploaded bundle (idempotent by hash). Refuses a bundle over 10 MiB
 * gzip-compressed (413) and one that would pass the workspace's caps (403).
 */
export async function storeBundle(
  env: { BUNDLES?: R2Bucket } & Parameters<typeof bundleCaps>[0],
  d: Database,
  workspaceId: string,
  input: z.infer<typeof BundleInput>,
  at: string,
): Promise<StoredBundleRef> {
  const { bundle, json } = canonicalBundle(input);
  checkBundleShape(bundle, at);
  const gz = await gzipSize(json);
  if (gz > MAX_BUNDLE_GZIP_BYTES) {
    throw new ApiError(
      "user/bad_request/request_body_too_large",
      `The bundle is ${gz} bytes gzip-compressed; at most ${MAX_BUNDLE_GZIP_BYTES} bytes (10 MiB) are accepted.`,
    );
  }
  const sha = await sha256Hex(json);
  const t = schema.deployBundles;
  const existing = await d
    .select({ sha256: t.sha256 })
    .from(t)
    .where(and(eq(t.workspaceId, workspaceId), eq(t.sha256, sha)))
    .limit(1);
  const ref = { sha256: sha, mainModule: bundle.mainModule, compatibilityDate: bundle.compatibilityDate };
  if (existing[0]) return ref;
  const caps = bundleCaps(env);
  const usage = await d
    .select({ n: sql<number>`count(*)`, bytes: sql<number>`coalesce(sum(${t.sizeBytes}), 0)` })
    .from(t)
    .where(eq(t.workspaceId, workspaceId));
  const size = new TextEncoder().encode(json).byteLength;
  if ((usage[0]?.n ?? 0) >= caps.maxBundles) {
    throw new ApiError(
      "unkey/limits/bundle_limit_exceeded",
      `The workspace stores ${usage[0]?.n} bundles, the most it may (${caps.maxBundles}). Bundles no deployment uses are deleted by the hourly job.`,
    );
  }
  if ((usage[0]?.bytes ?? 0) + size > caps.maxStoredBytes) {
    throw new ApiError("unkey/limits/bundle_limit_exceeded", `Storing this bundle would take the workspace's bundles past ${caps.maxStoredBytes} bytes.`);
  }
  if (!env.BUNDLES)
    throw new ApiError("unkey/application/precondition_failed", "Code deployments are not configured: the API Worker has no BUNDLES (R2) binding.");
  // R2 first: a row never names an object that is not there
  await env.BUNDLES.put(objectKey(workspaceId, sha), json, { httpMetadata: { contentType: "application/json" }, customMetadata: { sha256: sha } });
  await d
    .insert(t)
    .values({
      workspaceId,
      sha256: sha,
      sizeBytes: size,
      gzipBytes: gz,
      mainModule: bundle.mainModule,
      compatibilityDate: bundle.compatibilityDate,
      createdAt: Date.now(),
    })
    .onConflictDoNothing();
  return ref;
}

/** A stored bundle of the workspace, by hash (404 bundle_not_found otherwise). */
export async function findBundle(d: Database, workspaceId: string, sha: string): Promise<StoredBundleRef> {
  const t = schema.deployBundles;
  const rows = await d
    .select()
    .from(t)
    .where(and(eq(t.workspaceId, workspaceId), eq(t.sha256, sha)))
    .limit(1);
  if (!rows[0]) throw bundleNotFound();
  return { sha256: sha, mainModule: rows[0].mainModule, compatibilityDate: rows[0].compatibilityDate };
}

/** Reads a stored bundle (API for the build, Sentinel for serving). */
export async function loadBundle(bucket: R2Bucket, workspaceId: string, sha: string): Promise<Bundle | null> {
  const obj = await bucket.get(objectKey(workspaceId, sha));
  if (!obj) return null;
  return (await obj.json()) as Bundle;
}

/** The hourly job: bundles no deployment references any more (and older than an hour, so an upload about to be deployed stays). */
export async function deleteUnreferencedBundles(env: { BUNDLES?: R2Bucket; DB: D1Database }, now = Date.now()): Promise<number> {
  if (!env.BUNDLES) return 0;
  const { results } = await env.DB.prepare(
    `SELECT b.workspace_id AS workspace_id, b.sha256 AS sha256 FROM deploy_bundles b
     WHERE b.created_at < ?1 AND NOT EXISTS (
       SELECT 1 FROM deployments d WHERE d.workspace_id = b.workspace_id AND json_extract(d.upstream, '$.bundle') = b.sha256)
     LIMIT 500`,
  )
    .bind(now - 60 * 60 * 1000)
    .all<{ workspace_id: string; sha256: string }>();
  for (const r of results) {
    await env.BUNDLES.delete(objectKey(r.workspace_id, r.sha256));
    await env.DB.prepare("DELETE FROM deploy_bundles WHERE workspace_id = ?1 AND sha256 = ?2").bind(r.workspace_id, r.sha256).run();
  }
  return results.length;
}
