import { and, eq } from "drizzle-orm";
import type { Database } from "../db";
import { schema } from "../db";
import { ApiError } from "../errors";
import { fromBase64, toBase64 } from "../crypto";

/**
 * Migrations of pre-hashed keys (our extension of Unkey, which provisions them by hand).
 * `key_migrations.algorithm` holds one of these names:
 *
 * - `sha256_base64` (alias `sha256`): the hash already is our native form, base64 SHA-256 of
 *   the full key. Imported as is; the keys verify directly.
 * - `sha256_hex`: lowercase/uppercase hex SHA-256 of the full key. Converted to the native form
 *   at import, so these keys also verify directly.
 * - `github.com/seamapi/prefixed-api-key`: keys look like `<prefix>_<shortToken>_<longToken>`
 *   and the hash is the hex SHA-256 of `longToken` only. Stored as lowercase hex with the
 *   pending marker; keys.verifyKey with this `migrationId` rewrites them to the native form on
 *   first use (keys-and-apis §6.11).
 */
export const MIGRATION_ALGORITHMS = ["sha256_base64", "sha256", "sha256_hex", "github.com/seamapi/prefixed-api-key"] as const;
export type MigrationAlgorithm = (typeof MIGRATION_ALGORITHMS)[number];

export const SEAM_ALGORITHM = "github.com/seamapi/prefixed-api-key";

export const migrationNotFound = () => new ApiError("unkey/data/migration_not_found", "The requested Migration does not exist or has been deleted.");

/** A migration of the workspace, or null. */
export async function findMigration(d: Database, workspaceId: string, migrationId: string) {
  const rows = await d
    .select()
    .from(schema.keyMigrations)
    .where(and(eq(schema.keyMigrations.id, migrationId), eq(schema.keyMigrations.workspaceId, workspaceId)))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * The hash to store for an imported key, or null when `hash` is not valid for the algorithm
 * (such keys land in `failed`).
 */
export function storedHash(algorithm: string, hash: string): string | null {
  switch (algorithm) {
    case "sha256":
    case "sha256_base64": {
      if (!/^[A-Za-z0-9+/]{43}=$/.test(hash)) return null;
      return fromBase64(hash).byteLength === 32 ? hash : null;
    }
    case "sha256_hex": {
      if (!/^[0-9a-fA-F]{64}$/.test(hash)) return null;
      const bytes = new Uint8Array(32);
      for (let i = 0; i < 32; i++) bytes[i] = parseInt(hash.slice(i * 2, i * 2 + 2), 16);
      return toBase64(bytes);
    }
    case SEAM_ALGORITHM:
      return /^[0-9a-fA-F]{64}$/.test(hash) ? hash.toLowerCase() : null;
    default:
      return null;
  }
}
