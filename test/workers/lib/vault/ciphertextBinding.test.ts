import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, newApi, newWorkspace } from "../../../helpers/harness";

/**
 * Security issue 14, item 13: vault ciphertexts are bound (AES-GCM additional data) to their
 * workspace and record. Someone who can write the database copies a ciphertext to another
 * row; the API must not decrypt it there. Rows written before the binding keep decrypting.
 */
const b64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
const unb64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

async function recoverableKeys(n: number) {
  const ws = await newWorkspace();
  const apiId = await newApi(ws.rootKey);
  await call("apis.updateApi", { apiId, storeEncryptedKeys: true }, ws.rootKey);
  const keys: { keyId: string; key: string }[] = [];
  for (let i = 0; i < n; i++) {
    const created = await call("keys.createKey", { apiId, recoverable: true }, ws.rootKey);
    expect(created.status).toBe(200);
    keys.push(created.body.data);
  }
  return { ws, apiId, keys };
}

const plaintextOf = async (rootKey: string, keyId: string) => (await call("keys.getKey", { keyId, decrypt: true }, rootKey)).body.data.plaintext;
const storedKey = (keyId: string) =>
  env.DB.prepare("SELECT encrypted, encryption_key_id FROM encrypted_keys WHERE key_id = ?")
    .bind(keyId)
    .first<{ encrypted: string; encryption_key_id: string }>();

describe("vault ciphertext binding", () => {
  it("does not decrypt a key's ciphertext copied to another key's row", async () => {
    const { ws, apiId, keys } = await recoverableKeys(2);
    const [a, b] = keys as [{ keyId: string; key: string }, { keyId: string; key: string }];
    const sealedA = (await storedKey(a.keyId))!;
    expect(sealedA.encrypted.startsWith("v2:")).toBe(true);
    await env.DB.prepare("UPDATE encrypted_keys SET encrypted = ?, encryption_key_id = ? WHERE key_id = ?")
      .bind(sealedA.encrypted, sealedA.encryption_key_id, b.keyId)
      .run();
    // B now holds A's ciphertext: reading B must not reveal A's secret
    const res = await call("keys.getKey", { keyId: b.keyId, decrypt: true }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data.plaintext).toBeUndefined();
    expect(await plaintextOf(ws.rootKey, a.keyId)).toBe(a.key);
    // apis.listKeys decrypts through the same path
    const listed = await call("apis.listKeys", { apiId, decrypt: true }, ws.rootKey);
    expect(listed.status).toBe(200);
    const byId = new Map(listed.body.data.map((k: { keyId: string; plaintext?: string }) => [k.keyId, k.plaintext]));
    expect(byId.get(a.keyId)).toBe(a.key);
    expect(byId.get(b.keyId)).toBeUndefined();
  });

  it("does not decrypt a v2 ciphertext stripped of its version (no downgrade to the unbound format)", async () => {
    const { ws, keys } = await recoverableKeys(1);
    const k = keys[0]!;
    const sealed = (await storedKey(k.keyId))!;
    await env.DB.prepare("UPDATE encrypted_keys SET encrypted = ? WHERE key_id = ?").bind(sealed.encrypted.slice(3), k.keyId).run();
    expect(await plaintextOf(ws.rootKey, k.keyId)).toBeUndefined();
  });

  it("still decrypts a row written in the old format (no version, no additional data)", async () => {
    const { ws, keys } = await recoverableKeys(1);
    const k = keys[0]!;
    const sealed = (await storedKey(k.keyId))!;
    // unwrap the workspace's data key with the test KEK, as the vault does, and seal the key
    // the way rows were written before v2: base64(iv ‖ AES-GCM(plaintext)), no additional data
    const [kekId, kekB64] = String(env.ENCRYPTION_KEYS).split(",")[0]!.split(":") as [string, string];
    const dekRow = (await env.DB.prepare("SELECT wrapped, kek_id FROM data_keys WHERE id = ?")
      .bind(sealed.encryption_key_id)
      .first<{ wrapped: string; kek_id: string }>())!;
    expect(dekRow.kek_id).toBe(kekId);
    const kek = await crypto.subtle.importKey("raw", b64(kekB64), "AES-GCM", false, ["decrypt"]);
    const wrapped = b64(dekRow.wrapped);
    const rawDek = await crypto.subtle.decrypt({ name: "AES-GCM", iv: wrapped.slice(0, 12) }, kek, wrapped.slice(12));
    const dek = await crypto.subtle.importKey("raw", rawDek, "AES-GCM", false, ["encrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, dek, new TextEncoder().encode(k.key)));
    const legacy = unb64(new Uint8Array([...iv, ...ct]));
    await env.DB.prepare("UPDATE encrypted_keys SET encrypted = ? WHERE key_id = ?").bind(legacy, k.keyId).run();
    expect(await plaintextOf(ws.rootKey, k.keyId)).toBe(k.key);
  });

  it("does not decrypt an environment variable's value copied to another variable or environment", async () => {
    const { rootKey, workspaceId } = await newWorkspace();
    await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
    await call("apps.createApp", { project: "proj", name: "web", slug: "web" }, rootKey);
    const prod = { project: "proj", app: "web", environment: "production" };
    const preview = { ...prod, environment: "preview" };
    const set = await call(
      "environments.setEnvironmentVariables",
      {
        ...prod,
        variables: [
          { key: "SECRET", value: "s3cret", kind: "recoverable" },
          { key: "PUBLIC_NAME", value: "shop", kind: "recoverable" },
        ],
      },
      rootKey,
    );
    expect(set.status).toBe(200);
    const other = await call(
      "environments.setEnvironmentVariables",
      { ...preview, variables: [{ key: "SECRET", value: "preview", kind: "recoverable" }] },
      rootKey,
    );
    expect(other.status).toBe(200);
    const row = (name: string, envSlug: string) =>
      env.DB.prepare(
        "SELECT v.id, v.encrypted FROM environment_variables v JOIN environments e ON e.id = v.environment_id WHERE v.key = ? AND e.slug = ? AND v.workspace_id = ?",
      )
        .bind(name, envSlug, workspaceId)
        .first<{ id: string; encrypted: string }>();
    const secret = (await row("SECRET", "production"))!;
    const publicName = (await row("PUBLIC_NAME", "production"))!;
    await env.DB.prepare("UPDATE environment_variables SET encrypted = ? WHERE id = ?").bind(secret.encrypted, publicName.id).run();
    const values = async (where: typeof prod) =>
      new Map(
        ((await call("environments.listEnvironmentVariables", where, rootKey)).body.data as { key: string; value?: string }[]).map((v) => [v.key, v.value]),
      );
    const listed = await values(prod);
    expect(listed.get("SECRET")).toBe("s3cret");
    expect(listed.get("PUBLIC_NAME")).toBeUndefined();
    // the same name in another environment of the same workspace
    const previewSecret = (await row("SECRET", "preview"))!;
    await env.DB.prepare("UPDATE environment_variables SET encrypted = ? WHERE id = ?").bind(secret.encrypted, previewSecret.id).run();
    expect((await values(preview)).get("SECRET")).toBeUndefined();
  });
});
