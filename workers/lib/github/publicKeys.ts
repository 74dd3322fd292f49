import type { TieredCache } from "../cache";

export const DEFAULT_GITHUB_KEYS_URL = "https://api.github.com/meta/public_keys/secret_scanning";

export type GithubPublicKey = { key_identifier: string; key: string; is_current?: boolean };

/**
 * GitHub's published signing keys, through the tiered cache: refreshed hourly, and the last
 * good set keeps being served (stale) for a day if GitHub cannot be reached.
 */
export async function githubPublicKeys(cache: TieredCache, url: string): Promise<GithubPublicKey[]> {
  return cache.swr("githubKeys", url, async () => {
    const res = await fetch(url, { headers: { "user-agent": "keyforge-secret-scanning", accept: "application/json" } });
    if (!res.ok) throw new Error(`GitHub keys: HTTP ${res.status}`);
    const body = (await res.json()) as { public_keys?: GithubPublicKey[] };
    if (!Array.isArray(body.public_keys)) throw new Error("GitHub keys: unexpected body");
    return body.public_keys;
  });
}
