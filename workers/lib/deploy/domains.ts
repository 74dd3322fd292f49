import { and, eq } from "drizzle-orm";
import type { Database } from "../db";
import { schema } from "../db";
import { ApiError, invalidInput } from "../errors";
import { compact } from "../compact";

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
    { type: "TXT" as const, name: `_unkey.${row.domain}`, value: verificationValue(row), ttl: 300, verified, note: "Proves you own the domain." },
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
    verificationError: expired
      ? (row.verificationError ?? "DNS records were not found within 24 hours; call domains.verifyDomain to try again.")
      : row.verificationError,
    dnsRecords: dnsRecords(row, base),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
}

/** By `dom_` id or by name, within the workspace. */
export async function findDomain(d: Database, workspaceId: string, ident: string): Promise<DomainRow | null> {
  const t = schema.customDomains;
  const key = ident.startsWith("dom_") ? eq(t.id, ident) : eq(t.domain, ident.trim().toLowerCase().replace(/\.$/, ""));
  const rows = await d
    .select()
    .from(t)
    .where(and(eq(t.workspaceId, workspaceId), key))
    .limit(1);
  return rows[0] ?? null;
}

/** Cloudflare's DNS-over-HTTPS JSON API; DNS_RESOLVER_URL names another (Google's, a local stub). */
export const DEFAULT_DNS_RESOLVER = "https://cloudflare-dns.com/dns-query";

/** The TXT value that proves ownership of a claim. */
export const verificationValue = (row: Pick<DomainRow, "verificationToken">) => `unkey-domain-verification=${row.verificationToken}`;

/**
 * Looks up `_unkey.<domain>` TXT over DNS-over-HTTPS (JSON API: `?name=…&type=TXT`, answer
 * `application/dns-json` as Cloudflare and Google serve it) and checks for this claim's token.
 * Each claim has its own random token, so only the workspace whose record is published passes.
 */
export async function checkDns(row: DomainRow, resolver: string | undefined): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const url = new URL(resolver || DEFAULT_DNS_RESOLVER);
    url.searchParams.set("name", `_unkey.${row.domain}`);
    url.searchParams.set("type", "TXT");
    const res = await fetch(url, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(5000) });
    if (!res.ok) {
      await res.body?.cancel();
      return { ok: false, error: `DNS lookup failed with status ${res.status}` };
    }
    const body = (await res.json()) as { Status?: number; Answer?: { type?: number; data?: string }[] };
    const want = verificationValue(row);
    // TXT data comes quoted, long values split into several quoted strings: "ab" "cd"
    const texts = (body.Answer ?? [])
      .filter((a) => (a.type === undefined || a.type === 16) && typeof a.data === "string")
      .map((a) => a.data!.replace(/"\s*"/g, "").replace(/"/g, "").trim());
    if (texts.includes(want)) return { ok: true };
    return { ok: false, error: `TXT record _unkey.${row.domain} does not contain ${want}` };
  } catch (e) {
    return { ok: false, error: `DNS lookup failed: ${(e as Error).message}` };
  }
}

export const VERIFICATION_WINDOW_MS = 24 * 60 * 60 * 1000;
