import type { Env } from "../env";
import { db } from "../db";
import { openVariables } from "./variables";

/**
 * The `env` a code deployment sees (docs/deploy.md "What the app gets"): its variables snapshot,
 * decrypted, then Unkey's system variables on top (a user variable of the same name loses).
 * Runs in the API Worker only: it alone holds ENCRYPTION_KEYS. The Sentinel asks for it over
 * the service binding (ApiEntrypoint.deploymentEnv) and adds UNKEY_REGION / UNKEY_INSTANCE_ID.
 */
export type AppEnvResult = { ok: true; env: Record<string, string> } | { ok: false; error: string };

type Row = {
  id: string;
  workspace_id: string;
  environment_id: string;
  variables: string;
  git_commit_sha: string | null;
  git_branch: string | null;
  git_commit_message: string | null;
  env_slug: string;
  git_repository: string | null;
};

export async function deploymentEnv(env: Env, deploymentId: string): Promise<AppEnvResult> {
  const row = await env.DB.prepare(
    `SELECT d.id, d.workspace_id, d.environment_id, d.variables, d.git_commit_sha, d.git_branch, d.git_commit_message, e.slug AS env_slug, a.git_repository
     FROM deployments d JOIN environments e ON e.id = d.environment_id JOIN deploy_apps a ON a.id = d.app_id WHERE d.id = ?1`,
  )
    .bind(deploymentId)
    .first<Row>();
  if (!row) return { ok: false, error: "The deployment does not exist." };
  const sealed = JSON.parse(row.variables) as { key: string; encrypted: string }[];
  let opened: Map<string, string>;
  try {
    opened = await openVariables(env, db(env.DB), row.workspace_id, row.environment_id, sealed);
  } catch (e) {
    return { ok: false, error: `The deployment's variables could not be decrypted: ${(e as Error).message}` };
  }
  const out: Record<string, string> = {};
  for (const s of sealed) {
    const v = opened.get(s.key);
    // never start without a variable: a missing value would silently change the app's behaviour
    if (v === undefined) return { ok: false, error: `The variable ${s.key} could not be decrypted (its encryption key is missing or the value is damaged).` };
    out[s.key] = v;
  }
  const system: Record<string, string | null> = {
    UNKEY_DEPLOYMENT_ID: row.id,
    UNKEY_ENVIRONMENT_SLUG: row.env_slug,
    UNKEY_GIT_COMMIT_SHA: row.git_commit_sha,
    UNKEY_GIT_BRANCH: row.git_branch,
    UNKEY_GIT_REPO: row.git_repository,
    UNKEY_GIT_COMMIT_MESSAGE: row.git_commit_message,
  };
  for (const [k, v] of Object.entries(system)) {
    if (v) out[k] = v;
    else delete out[k]; // unknown: absent, never the user's value under our name
  }
  return { ok: true, env: out };
}

/** Adds the per-instance system variables (the Sentinel's region and isolate). */
export function withInstanceVars(env: Record<string, string>, region: string, instanceId: string): Record<string, string> {
  return { ...env, UNKEY_REGION: region, UNKEY_INSTANCE_ID: instanceId };
}
