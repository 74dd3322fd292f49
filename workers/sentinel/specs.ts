import { Rejection } from "./errors";
import type { SentinelEnv } from "./env";
import { compileSpec, parseSpecText, SpecError, type CompiledSpec } from "./openapi";
import { forward } from "./proxy";
import type { DeploymentSnapshot } from "./routing";

/**
 * The OpenAPI document of a deployment, fetched from the deployment itself at the
 * environment's `openapiSpecPath` (captured when the deployment was created) and compiled once.
 * No path, or nothing served there, means there is nothing to validate against.
 */
type Entry = { spec: CompiledSpec | null; error?: string; until: number };
const cache = new Map<string, Entry>();
const inflight = new Map<string, Promise<Entry>>();
const HIT_TTL = 60 * 60 * 1000;
const MISS_TTL = 30 * 1000;
const MAX_SPEC_BYTES = 10 * 1024 * 1024;

export async function specFor(env: SentinelEnv, snap: DeploymentSnapshot, inbound: URL): Promise<CompiledSpec | null> {
  if (!snap.openapiSpecPath) return null;
  const now = Date.now();
  let entry = cache.get(snap.id);
  if (!entry || entry.until <= now) {
    let p = inflight.get(snap.id);
    if (!p) {
      p = load(env, snap, inbound).finally(() => inflight.delete(snap.id));
      inflight.set(snap.id, p);
    }
    entry = await p;
    if (cache.size > 1000) cache.clear();
    cache.set(snap.id, entry);
  }
  if (entry.error) throw new Rejection("config:invalid_configuration", entry.error);
  return entry.spec;
}

async function load(env: SentinelEnv, snap: DeploymentSnapshot, inbound: URL): Promise<Entry> {
  const url = new URL(snap.openapiSpecPath!, inbound.origin);
  let text: string;
  try {
    const res = await forward(env, snap, url, {
      method: "GET",
      headers: new Headers({ accept: "application/json, application/yaml;q=0.9, */*;q=0.5", "x-deployment-id": snap.id }),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return { spec: null, until: Date.now() + MISS_TTL };
    }
    text = await res.text();
  } catch {
    return { spec: null, until: Date.now() + MISS_TTL };
  }
  if (text.length > MAX_SPEC_BYTES) return { spec: null, error: "The OpenAPI document is larger than 10 MiB.", until: Date.now() + MISS_TTL };
  try {
    return { spec: compileSpec(parseSpecText(text)), until: Date.now() + HIT_TTL };
  } catch (e) {
    const msg = e instanceof SpecError ? e.message : `the OpenAPI document could not be compiled: ${(e as Error).message}`;
    return { spec: null, error: `OpenAPI validation is configured but ${msg}`, until: Date.now() + MISS_TTL };
  }
}
