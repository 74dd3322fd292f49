import type { Env } from "../env";
import type { Database } from "../db";
import { decryptKeys, encryptKey } from "../vault";

/**
 * Environment variables are sealed with the vault (AES-GCM data keys wrapped by
 * ENCRYPTION_KEYS), stored as "<dataKeyId>:<ciphertext>". Deployments snapshot the sealed
 * form; plaintext only leaves for `recoverable` variables on list.
 */
export async function sealVariable(env: Env, d: Database, workspaceId: string, value: string): Promise<string> {
  const { encrypted, encryptionKeyId } = await encryptKey(env, d, workspaceId, value);
  return `${encryptionKeyId}:${encrypted}`;
}

export async function openVariables(env: Env, d: Database, workspaceId: string, sealed: { key: string; encrypted: string }[]): Promise<Map<string, string>> {
  const rows = sealed.map((s) => {
    const i = s.encrypted.indexOf(":");
    return { keyId: s.key, encryptionKeyId: s.encrypted.slice(0, i), encrypted: s.encrypted.slice(i + 1) };
  });
  return decryptKeys(env, d, workspaceId, rows);
}
