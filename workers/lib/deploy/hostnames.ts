import { sha256Hex } from "../crypto";

/**
 * Generated hostnames (sentinel-deploy §2.2), stored as labels without the base domain so the
 * base domain (SENTINEL_BASE_DOMAIN, default `localhost`) can change without rewriting routes.
 *   live         {project}-{app}-{workspace}
 *   environment  {project}-{app}-{environment}-{workspace}
 *   deployment   {project}-{app}-dep-{deployment id}-{workspace}
 * `{workspace}` is a short stable handle derived from the workspace id.
 */
export const DEFAULT_BASE_DOMAIN = "localhost";

export function baseDomain(env: { SENTINEL_BASE_DOMAIN?: string }): string {
  const v = typeof env.SENTINEL_BASE_DOMAIN === "string" ? env.SENTINEL_BASE_DOMAIN.trim().toLowerCase() : "";
  return v.replace(/^\.+|\.+$/g, "") || DEFAULT_BASE_DOMAIN;
}

export async function workspaceHandle(workspaceId: string): Promise<string> {
  return "w" + (await sha256Hex(workspaceId)).slice(0, 8);
}

/** DNS-safe form of a slug or id: lowercase, anything but [a-z0-9] becomes `-`. */
export function dnsLabel(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

export interface Slugs {
  project: string;
  app: string;
  workspace: string; // the handle
}

export const liveLabel = (s: Slugs) => [s.project, s.app, s.workspace].map(dnsLabel).join("-");
export const environmentLabel = (s: Slugs, env: string) => [s.project, s.app, env, s.workspace].map(dnsLabel).join("-");
export const deploymentLabel = (s: Slugs, deploymentId: string) => [s.project, s.app, "dep", deploymentId, s.workspace].map(dnsLabel).join("-");

/** A stored route hostname as clients use it: labels get the base domain, custom domains stay. */
export function publicHostname(stored: string, base: string): string {
  return stored.includes(".") ? stored : `${stored}.${base}`;
}

/**
 * The stored route key for an inbound Host header: port stripped, lowercased; generated
 * hostnames lose the base domain. Returns null for a bare base domain.
 */
export function routeKeyForHost(host: string, base: string): string | null {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[")) return null; // IPv6 literal: never routed
  h = h.replace(/:\d+$/, "").replace(/\.$/, "");
  if (!h) return null;
  const suffix = "." + base;
  if (h.endsWith(suffix)) {
    const label = h.slice(0, -suffix.length);
    return label && !label.includes(".") ? label : null;
  }
  if (h === base) return null;
  return h;
}
