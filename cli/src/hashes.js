// Local checks of pre-hashed keys for `migrate-keys`, mirroring the server's (workers/lib/keys/
// migrations.ts), so a malformed hash is reported with its own reason instead of the server's
// bare "failed" list, and never sent.

export const HASH_ALGORITHMS = ["sha256", "sha256_base64", "sha256_hex", "github.com/seamapi/prefixed-api-key"];

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

const EXPECTED = {
  sha256: '44 characters of base64 ending in "=" (the 32 bytes of a SHA-256)',
  sha256_base64: '44 characters of base64 ending in "=" (the 32 bytes of a SHA-256)',
  sha256_hex: "64 hex characters (a SHA-256)",
  "github.com/seamapi/prefixed-api-key": "64 hex characters (the SHA-256 of the key's long token)",
};

function describe(hash) {
  if (/\s/.test(hash)) return `${hash.length} characters including white space`;
  return `${hash.length} characters`;
}

/** Why `hash` is not valid for `algorithm`, or null when it is. */
export function hashProblem(algorithm, hash) {
  if (typeof hash !== "string") return "hash is not a string";
  const ok = algorithm === "sha256" || algorithm === "sha256_base64" ? BASE64_SHA256.test(hash) : HEX_SHA256.test(hash);
  return ok ? null : `not a valid ${algorithm} hash: expected ${EXPECTED[algorithm]}, got ${describe(hash)}`;
}

/** Why `hash` is valid for no algorithm at all (used when the migration's algorithm is not known). */
export function anyHashProblem(hash) {
  if (typeof hash !== "string") return "hash is not a string";
  if (BASE64_SHA256.test(hash) || HEX_SHA256.test(hash)) return null;
  return `not a valid hash for any migration: expected 44 characters of base64 (sha256_base64) or 64 hex characters (sha256_hex, github.com/seamapi/prefixed-api-key), got ${describe(hash)}`;
}

/** The form the server stores, so two spellings of one hash count as repeated (hex is case-free). */
export function hashIdentity(algorithm, hash) {
  return algorithm && algorithm !== "sha256" && algorithm !== "sha256_base64" ? hash.toLowerCase() : hash;
}

/**
 * The reason for a hash the server reported as failed after the local checks passed. `source`
 * says where the algorithm came from: "server" (keys.getMigration, so the hash was valid for it),
 * "flag" (--hash, which may not match the migration) or none (not known).
 */
export function failedReason(algorithm, source) {
  if (algorithm && source === "server") return "hash already in use: another key (of any API) already has this hash";
  if (algorithm) return `hash already in use, or not valid for this migration (its algorithm may not be --hash ${algorithm})`;
  return "hash already in use, or not valid for this migration's algorithm (pass --hash <algorithm> to check hashes before sending)";
}

/**
 * Checks a list of keys: `[{ index, problem }]` for the ones not to send (malformed for the
 * algorithm, or repeating an earlier one). `label(i)` names a key in messages (a line number).
 */
export function checkHashes(keys, algorithm, label) {
  const seen = new Map();
  const problems = [];
  for (const [index, key] of keys.entries()) {
    const problem = algorithm ? hashProblem(algorithm, key.hash) : anyHashProblem(key.hash);
    if (problem) {
      problems.push({ index, problem });
      continue;
    }
    const id = hashIdentity(algorithm, key.hash);
    if (seen.has(id)) {
      problems.push({ index, problem: `repeated: same hash as ${label(seen.get(id))}` });
      continue;
    }
    seen.set(id, index);
  }
  return problems;
}
