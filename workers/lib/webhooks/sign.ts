import { fromBase64, toBase64 } from "../crypto";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` + base64
 * of 32 random bytes; the signature is base64 HMAC-SHA256 over `${id}.${timestamp}.${body}` with
 * the decoded secret, sent as `v1,<sig>`; several (a rotation's old and new secret) are
 * space-separated and a receiver accepts any one.
 */
export function newSigningSecret(): string {
  return "whsec_" + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

export async function sign(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  const raw = fromBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestampSeconds}.${body}`));
  return "v1," + toBase64(mac);
}

/** The three Standard Webhooks headers for one attempt, signed with every given secret. */
export async function webhookHeaders(secrets: string[], id: string, body: string, now = Date.now()): Promise<Record<string, string>> {
  const ts = Math.floor(now / 1000);
  const sigs = await Promise.all(secrets.map((s) => sign(s, id, ts, body)));
  return { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sigs.join(" ") };
}
