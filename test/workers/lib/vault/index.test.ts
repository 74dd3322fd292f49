import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { db } from "../../../../workers/lib/db";
import { ApiError } from "../../../../workers/lib/errors";
import { decryptKeys, encryptKey, keks, vaultConfigured } from "../../../../workers/lib/vault";

const kek = (seed: number) => btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 7 + seed) & 0xff)));
const withKeys = (ENCRYPTION_KEYS: string | undefined) => ({ ...env, ENCRYPTION_KEYS });

describe("vault", () => {
  it("round-trips a key under a per-workspace data key", async () => {
    const e = withKeys(`a:${kek(1)}`);
    const d = db(env.DB);
    const ws = `ws_vault_${crypto.randomUUID().slice(0, 8)}`;
    const sealed = await encryptKey(e, d, ws, "sk_secret", "key:k");
    expect(sealed.encrypted).not.toContain("sk_secret");
    const again = await encryptKey(e, d, ws, "sk_other", "key:k");
    expect(again.encryptionKeyId).toBe(sealed.encryptionKeyId);
    const out = await decryptKeys(e, d, ws, [
      { keyId: "k1", ...sealed, boundTo: "key:k" },
      { keyId: "k2", ...again, boundTo: "key:k" },
    ]);
    expect(out.get("k1")).toBe("sk_secret");
    expect(out.get("k2")).toBe("sk_other");
  });

  it("still decrypts after the key-encryption key is rotated, and wraps new data keys with the new one", async () => {
    const d = db(env.DB);
    const ws = `ws_vault_${crypto.randomUUID().slice(0, 8)}`;
    const before = withKeys(`old:${kek(2)}`);
    const sealedOld = await encryptKey(before, d, ws, "sk_before_rotation", "key:k");

    const after = withKeys(`new:${kek(3)}, old:${kek(2)}`);
    const sealedNew = await encryptKey(after, d, ws, "sk_after_rotation", "key:k");
    expect(sealedNew.encryptionKeyId).not.toBe(sealedOld.encryptionKeyId);
    const wrappers = await env.DB.prepare("SELECT id, kek_id FROM data_keys WHERE workspace_id = ? ORDER BY kek_id").bind(ws).all<any>();
    expect(wrappers.results.map((r) => r.kek_id)).toEqual(["new", "old"]);

    const out = await decryptKeys(after, d, ws, [
      { keyId: "old", ...sealedOld, boundTo: "key:k" },
      { keyId: "new", ...sealedNew, boundTo: "key:k" },
    ]);
    expect(out.get("old")).toBe("sk_before_rotation");
    expect(out.get("new")).toBe("sk_after_rotation");

    // dropping the old KEK too early makes its ciphertexts unreadable, without throwing
    const onlyNew = withKeys(`new:${kek(3)}`);
    const partial = await decryptKeys(onlyNew, d, ws, [
      { keyId: "old", ...sealedOld, boundTo: "key:k" },
      { keyId: "new", ...sealedNew, boundTo: "key:k" },
    ]);
    expect(partial.has("old")).toBe(false);
    expect(partial.get("new")).toBe("sk_after_rotation");
  });

  it("leaves out tampered ciphertexts and ciphertexts of other workspaces", async () => {
    const e = withKeys(`a:${kek(4)}`);
    const d = db(env.DB);
    const ws = `ws_vault_${crypto.randomUUID().slice(0, 8)}`;
    const sealed = await encryptKey(e, d, ws, "sk_x", "key:k");
    const bytes = Uint8Array.from(atob(sealed.encrypted.slice("v2:".length)), (ch) => ch.charCodeAt(0));
    const last = bytes.length - 1;
    bytes[last] = (bytes[last] ?? 0) ^ 1;
    const tampered = "v2:" + btoa(String.fromCharCode(...bytes));
    const out = await decryptKeys(e, d, ws, [{ keyId: "t", encrypted: tampered, encryptionKeyId: sealed.encryptionKeyId, boundTo: "key:k" }]);
    expect(out.size).toBe(0);
    const foreign = await decryptKeys(e, d, "ws_someone_else", [{ keyId: "f", ...sealed, boundTo: "key:k" }]);
    expect(foreign.size).toBe(0);
  });

  it("answers 412 'Vault hasn't been set up.' without ENCRYPTION_KEYS", async () => {
    expect(vaultConfigured(withKeys(undefined))).toBe(false);
    const err = await keks(withKeys("")).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(412);
    expect(err.detail).toBe("Vault hasn't been set up.");
  });
});
