import type { GatewayVerifyData } from "../api/rpc/gatewayVerifyKey";

/**
 * The Principal (sentinel-deploy §1.5): compact one-line JSON in `X-Unkey-Principal`, with
 * `<`, `>` and `&` escaped as \u003c… the way Unkey's encoder writes them.
 */
export interface Principal {
  version: "v1";
  subject: string;
  type: "API_KEY";
  identity?: { externalId: string; meta: Record<string, unknown> };
  source: {
    key: {
      keyId: string;
      keySpaceId: string;
      name?: string;
      expiresAt?: number;
      credits?: number;
      meta: Record<string, unknown>;
      roles?: string[];
      permissions?: string[];
    };
  };
}

export function buildPrincipal(v: GatewayVerifyData): Principal {
  const r = v.result;
  const key: Principal["source"]["key"] = { keyId: r.keyId!, keySpaceId: v.keyspaceId, meta: {} };
  if (r.name) key.name = r.name;
  if (r.expires !== undefined) key.expiresAt = r.expires;
  if (r.credits !== undefined) key.credits = r.credits;
  key.meta = r.meta ?? {};
  if (r.roles && r.roles.length > 0) key.roles = r.roles;
  if (r.permissions && r.permissions.length > 0) key.permissions = r.permissions;
  const p: Principal = { version: "v1", subject: r.identity?.externalId ?? r.keyId!, type: "API_KEY", source: { key } };
  if (r.identity) p.identity = { externalId: r.identity.externalId, meta: r.identity.meta ?? {} };
  // key order as documented: version, subject, type, identity, source
  return { version: p.version, subject: p.subject, type: p.type, ...(p.identity ? { identity: p.identity } : {}), source: p.source };
}

export function encodePrincipal(p: Principal): string {
  return JSON.stringify(p).replace(/[<>&]/g, (c) => "\\u00" + c.charCodeAt(0).toString(16));
}

/** Dotted camelCase path into the Principal JSON; string values only. */
export function principalField(p: Principal | null, path: string): string | undefined {
  if (!p) return undefined;
  let cur: unknown = p;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === "string" ? cur : undefined;
}
