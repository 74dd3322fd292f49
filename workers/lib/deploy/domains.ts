import { and, eq } from "drizzle-orm";
import type { Database } from "../db";
import { schema } from "../db";
import { ApiError, invalidInput } from "../errors";
import { compact } from "../../api/rpc";
import { DEFAULT_BASE_DOMAIN } from "./hostnames";

export type DomainRow = typeof schema.customDomains.$inferSelect;

export const domainNotFound = () => new ApiError("unkey/data/domain_not_found", "The requested domain does not exist.");

/** A bare hostname: no scheme, port, path or wildcard; at least two labels. */
export function normaliseDomain(input: string): string {
  const d = input.trim().toLowerCase().replace(/\.$/, "");
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const labels = d.split(".");
  if (d.length < 4 || d.length > 253 || labels.length < 2 || !labels.every((l) => label.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    throw invalidInput(`'${input}' is not a domain name. Give a bare hostname such as api.example.com, without scheme, port or path.`, [
      { location: "/body/domain", message: "must be a fully qualified domain name", fix: "e.g. api.example.com" },
    ]);
  }
  return d;
}

/** DNS records proving ownership and routing traffic to the Sentinel. */
export function dnsRecords(row: DomainRow, base: string) {
  const verified = row.status === "verified";
  const apex = row.domain.split(".").length === 2;
  return [
    { type: "TXT" as const, name: `_unkey.${row.domain}`, value: `unkey-domain-verification=${row.verificationToken}`, ttl: 300, verified, note: "Proves you own the domain." },
    {
      type: (apex ? "ALIAS" : "CNAME") as "ALIAS" | "CNAME",
      name: row.domain,
      value: `sentinel.${base}`,
      ttl: 300,
      verified,
      note: apex ? "Apex domain: use ALIAS/ANAME or a flattened CNAME at your DNS provider." : "Routes traffic to the Sentinel.",
    },
  ];
}

export function domainResponse(row: DomainRow, base: string, now = Date.now()) {
  // unverified 24 hours after creation (or the last verifyDomain): failed
  const expired = row.status !== "verified" && now > row.createdAt + VERIFICATION_WINDOW_MS;
  return compact({
    id: row.id,
    domain: row.domain,
    projectId: row.projectId,
    appId: row.appId,
    environmentId: row.environmentId,
    status: expired ? ("failed" as const) : row.status,
    verificationError: expired ? row.verificationError ?? "DNS records were not found within 24 hours; call domains.verifyDomain to try again." : row.verificationError,
    dnsRecords: dnsRecords(row, base),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
}

/** By `dom_` id or by name, within the workspace. */
export async function findDomain(d: Database, workspaceId: string, ident: string): Promise<DomainRow | null> {
  const t = schema.customDomains;
  const key = ident.startsWith("dom_") ? eq(t.id, ident) : eq(t.domain, ident.trim().toLowerCase().replace(/\.$/, ""));
  const rows = await d.select().from(t).where(and(eq(t.workspaceId, workspaceId), key)).limit(1);
  return rows[0] ?? null;
}

/**
 * Local mode (base domain `localhost`): there is no public DNS to check, so domains verify at
 * once. Otherwise the TXT record is looked up over DNS-over-HTTPS.
 */
export function localMode(base: string) {
  return base === DEFAULT_BASE_DOMAIN;
}

export async function checkDns(row: DomainRow): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const res = await fetch(`https://cloudflare-dns.com/dns-query?name=${encodeURIComponent(`_unkey.${row.domain}`)}&type=TXT`, {
      headers: { accept: "application/dns-json" },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return { ok: false, error: `DNS lookup failed with status ${res.status}` };
    const body = (await res.json()) as { Answer?: { data: string }[] };
    const want = `unkey-domain-verification=${row.verificationToken}`;
    const found = (body.Answer ?? []).some((a) => a.data.replace(/"/g, "") === want);
    return found ? { ok: true } : { ok: false, error: `TXT record _unkey.${row.domain} does not contain ${want}` };
  } catch (e) {
    return { ok: false, error: `DNS lookup failed: ${(e as Error).message}` };
  }
}

export const VERIFICATION_WINDOW_MS = 24 * 60 * 60 * 1000;
