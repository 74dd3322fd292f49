import { and, desc, eq, inArray } from "drizzle-orm";
import type { Env } from "../env";
import type { Database } from "../db";
import { schema } from "../db";
import { ApiError } from "../errors";
import { fromBase64, toBase64 } from "../crypto";
import { newId } from "../ids";

/**
 * The vault stores recoverable keys. Envelope encryption in two levels:
 *
 * - key-encryption keys (KEKs) come from the Worker secret ENCRYPTION_KEYS,
 *   "id:base64key[,id:base64key…]" (32-byte AES keys). The first entry is current: new data keys
 *   are wrapped with it. The others are only used to unwrap data keys written before a rotation.
 * - data keys (DEKs), one or more per workspace, live in D1 table `data_keys`, wrapped
 *   (AES-GCM) by a KEK and tagged with that KEK's id. Each ciphertext in `encrypted_keys` names
 *   the DEK that sealed it.
 *
 * Rotating the secret: put a new entry first and keep the old ones. Existing ciphertexts stay
 * readable (their DEK names the old KEK); the next encryption in a workspace notices that its
 * newest DEK is wrapped by a non-current KEK and creates a fresh DEK under the current one.
 * An old KEK can be dropped from the secret once no DEK in `data_keys` names it.
 *
 * Ciphertexts are bound to what they belong to: format v2 (`v2:<base64 iv+ct>`) seals with
 * AES-GCM additional data naming the workspace and the record (`key:<keyId>`, an environment
 * variable, …), so a ciphertext copied to another row or workspace fails to decrypt. Rows
 * written before v2 (plain base64, no additional data) keep decrypting.
 */

export interface Kek {
  id: string;
  key: CryptoKey;
}

const kekCache = new Map<string, Kek[]>();
// unwrapped data keys, per parsed secret: a DEK stays usable only while its KEK is configured
const dekCaches = new WeakMap<Kek[], Map<string, CryptoKey>>();
function dekCacheFor(all: Kek[]): Map<string, CryptoKey> {
  let m = dekCaches.get(all);
  if (!m) dekCaches.set(all, (m = new Map()));
  return m;
}

export const vaultMissing = () => new ApiError("unkey/application/precondition_failed", "Vault hasn't been set up.");

/** Whether ENCRYPTION_KEYS holds at least one usable key. */
export function vaultConfigured(env: Env): boolean {
  return typeof env.ENCRYPTION_KEYS === "string" && env.ENCRYPTION_KEYS.trim() !== "";
}

/** Parses ENCRYPTION_KEYS; throws the 412 "Vault hasn't been set up." when unset. */
export async function keks(env: Env): Promise<Kek[]> {
  if (!vaultConfigured(env)) throw vaultMissing();
  const secret = env.ENCRYPTION_KEYS!.trim();
  const cached = kekCache.get(secret);
  if (cached) return cached;
  const out: Kek[] = [];
  for (const entry of secret.split(",")) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const colon = trimmed.indexOf(":");
    if (colon <= 0) throw new Error("ENCRYPTION_KEYS entries must look like id:base64key");
    const id = trimmed.slice(0, colon);
    const raw = fromBase64(trimmed.slice(colon + 1));
    if (raw.byteLength !== 32) throw new Error(`ENCRYPTION_KEYS entry '${id}' must be 32 bytes (base64)`);
    out.push({ id, key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]) });
  }
  if (out.length === 0) throw vaultMissing();
  kekCache.set(secret, out);
  return out;
}

/** base64(iv ‖ AES-GCM(plaintext, additionalData)). */
async function seal(key: CryptoKey, plaintext: Uint8Array, additionalData?: Uint8Array): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const params = { name: "AES-GCM", iv, ...(additionalData ? { additionalData } : {}) };
  const ct = new Uint8Array(await crypto.subtle.encrypt(params, key, plaintext));
  const out = new Uint8Array(iv.byteLength + ct.byteLength);
  out.set(iv, 0);
  out.set(ct, iv.byteLength);
  return toBase64(out);
}

async function open(key: CryptoKey, sealed: string, additionalData?: Uint8Array): Promise<Uint8Array> {
  const bytes = fromBase64(sealed);
  const iv = bytes.slice(0, 12);
  const params = { name: "AES-GCM", iv, ...(additionalData ? { additionalData } : {}) };
  return new Uint8Array(await crypto.subtle.decrypt(params, key, bytes.slice(12)));
}

const V2 = "v2:";

/** The additional data of a v2 ciphertext: the format, the workspace and the record it belongs to. */
function boundData(workspaceId: string, boundTo: string): Uint8Array {
  return new TextEncoder().encode(`keyforge-vault/v2\n${workspaceId}\n${boundTo}`);
}

async function unwrapDek(all: Kek[], row: { id: string; wrapped: string; kekId: string }): Promise<CryptoKey> {
  const cache = dekCacheFor(all);
  const hit = cache.get(row.id);
  if (hit) return hit;
  const kek = all.find((k) => k.id === row.kekId);
  if (!kek) throw new Error(`data key ${row.id} is wrapped by unknown KEK '${row.kekId}'`);
  const raw = await open(kek.key, row.wrapped);
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  cache.set(row.id, key);
  return key;
}

/**
 * The data key new ciphertexts of a workspace use: its newest DEK if wrapped by the current
 * KEK, else a new one (written at once; a DEK alone reveals nothing and is harmless if unused).
 */
async function currentDek(env: Env, d: Database, workspaceId: string): Promise<{ id: string; key: CryptoKey }> {
  const all = await keks(env);
  const current = all[0]!;
  const rows = await d
    .select()
    .from(schema.dataKeys)
    .where(and(eq(schema.dataKeys.workspaceId, workspaceId), eq(schema.dataKeys.kekId, current.id)))
    .orderBy(desc(schema.dataKeys.createdAt))
    .limit(1);
  if (rows[0]) return { id: rows[0].id, key: await unwrapDek(all, rows[0]) };
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const id = newId("dek");
  const wrapped = await seal(current.key, raw);
  await d.insert(schema.dataKeys).values({ id, workspaceId, wrapped, kekId: current.id, createdAt: Date.now() });
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  dekCacheFor(all).set(id, key);
  return { id, key };
}

/** What a ciphertext is bound to: a key (`encrypted_keys`) by its id. */
export const boundToKey = (keyId: string) => `key:${keyId}`;

/**
 * Encrypts a secret of one record (format v2), bound to the workspace and `boundTo` (e.g.
 * `boundToKey(keyId)`): it decrypts only when presented with the same two.
 */
export async function encryptKey(
  env: Env,
  d: Database,
  workspaceId: string,
  plaintext: string,
  boundTo: string,
): Promise<{ encrypted: string; encryptionKeyId: string }> {
  const dek = await currentDek(env, d, workspaceId);
  const sealed = await seal(dek.key, new TextEncoder().encode(plaintext), boundData(workspaceId, boundTo));
  return { encrypted: V2 + sealed, encryptionKeyId: dek.id };
}

/**
 * Decrypts stored ciphertexts of one workspace, each with the `boundTo` of the row it was read
 * from; the result is keyed by `keyId`. Entries that cannot be decrypted (unknown DEK or KEK,
 * tampered data, a ciphertext copied from another row) are left out: callers then return the
 * key without `plaintext`.
 */
export async function decryptKeys(
  env: Env,
  d: Database,
  workspaceId: string,
  rows: { keyId: string; encrypted: string; encryptionKeyId: string; boundTo: string }[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (rows.length === 0) return out;
  const all = await keks(env);
  const dekIds = [...new Set(rows.map((r) => r.encryptionKeyId))];
  const deks = await d
    .select()
    .from(schema.dataKeys)
    .where(and(eq(schema.dataKeys.workspaceId, workspaceId), inArray(schema.dataKeys.id, dekIds)));
  const byId = new Map(deks.map((k) => [k.id, k]));
  const decoder = new TextDecoder();
  for (const r of rows) {
    const dekRow = byId.get(r.encryptionKeyId);
    if (!dekRow) continue;
    try {
      const key = await unwrapDek(all, dekRow);
      const plain = r.encrypted.startsWith(V2)
        ? await open(key, r.encrypted.slice(V2.length), boundData(workspaceId, r.boundTo))
        : await open(key, r.encrypted); // written before v2: no additional data
      out.set(r.keyId, decoder.decode(plain));
    } catch {
      // undecryptable: omitted, as Unkey does
    }
  }
  return out;
}
