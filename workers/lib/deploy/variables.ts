import type { Env } from "../env";
import type { Database } from "../db";
import { decryptKeys, encryptKey } from "../vault";

/**
 * Environment variables are sealed with the vault (AES-GCM data keys wrapped by
 * ENCRYPTION_KEYS), stored as "<dataKeyId>:<ciphertext>". Each is bound to its environment and
 * name, so a value copied to another variable or environment does not decrypt; deployments
 * snapshot the sealed form of their own environment's variables unchanged. Plaintext only
 * leaves for `recoverable` variables on list.
 */
const boundToVariable = (environmentId: string, name: string) => `environmentVariable:${environmentId}:${name}`;

export async function sealVariable(env: Env, d: Database, workspaceId: string, environmentId: string, name: string, value: string): Promise<string> {
  const { encrypted, encryptionKeyId } = await encryptKey(env, d, workspaceId, value, boundToVariable(environmentId, name));
  return `${encryptionKeyId}:${encrypted}`;
}

/** Opens sealed variables of one environment; the result is keyed by variable name. */
export async function openVariables(
  env: Env,
  d: Database,
  workspaceId: string,
  environmentId: string,
  sealed: { key: string; encrypted: string }[],
): Promise<Map<string, string>> {
  const rows = sealed.map((s) => {
    const i = s.encrypted.indexOf(":");
    return { keyId: s.key, encryptionKeyId: s.encrypted.slice(0, i), encrypted: s.encrypted.slice(i + 1), boundTo: boundToVariable(environmentId, s.key) };
  });
  return decryptKeys(env, d, workspaceId, rows);
}
