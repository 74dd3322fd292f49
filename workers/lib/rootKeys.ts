import { generateKey, sha256Base64 } from "./crypto";
import { newId } from "./ids";
import type { schema } from "./db";

/** A new root key: `unkey_` + 16 random bytes, stored only as its hash. */
export async function mintRootKey(o: {
  workspaceId: string;
  name: string | null;
  permissions: string[];
  fullAccess: boolean;
  createdBy: string;
}): Promise<{ key: string; row: typeof schema.rootKeys.$inferInsert }> {
  const { key, start } = generateKey("unkey", 16);
  return {
    key,
    row: {
      id: newId("key"),
      workspaceId: o.workspaceId,
      hash: await sha256Base64(key),
      start,
      name: o.name,
      permissions: o.permissions,
      fullAccess: o.fullAccess,
      createdBy: o.createdBy,
      createdAt: Date.now(),
    },
  };
}
