import { emitWebhookEvent } from "../webhooks/emit";
import { exports as selfExports } from "cloudflare:workers";
import type { Env } from "../env";
import type { EnvironmentSettings } from "../../../schema/deploy";
import { loadBundle, type Bundle } from "./bundle";
import { deploymentEnv, withInstanceVars } from "./appEnv";
import { appCode, checkCode, runtimeLimits, startError } from "./runtime";

/**
 * The lifecycle of a code deployment (docs/deploy.md), run by the API Worker in waitUntil after
 * deploy(ments).createDeployment answered:
 *
 *   pending → building   the bundle loads in the API's own LOADER (syntax error, missing
 *                         import, no fetch export → failed at "building", saying which)
 *           → deploying  variables decrypt, then a health probe: the healthcheck path of the
 *                         runtime settings, else GET /; any answer passes, a throw fails
 *           → ready      and, in the same batch, the environment (and for production the app)
 *                         points at it, unless the app is rolled back.
 *
 * Every status write is conditional on the status before it, so a deployment moves one way
 * only and a failed one never receives traffic: the pointer moves only with `ready`.
 */

type Row = {
  id: string;
  workspace_id: string;
  app_id: string;
  environment_id: string;
  status: string;
  upstream: string;
  runtime: string;
  env_kind: string;
  is_rolled_back: number;
};

const PROBE_TIMEOUT_MS = 10_000;

async function setStatus(env: Env, id: string, from: string, to: string): Promise<boolean> {
  const r = await env.DB.prepare("UPDATE deployments SET status = ?1, updated_at = ?2 WHERE id = ?3 AND status = ?4").bind(to, Date.now(), id, from).run();
  return (r.meta.changes ?? 0) > 0;
}

async function fail(env: Env, id: string, from: string, step: "building" | "deploying", message: string) {
  const res = await env.DB.prepare(
    "UPDATE deployments SET status = 'failed', error_step = ?1, error_message = ?2, updated_at = ?3 WHERE id = ?4 AND status = ?5",
  )
    .bind(step, message.slice(0, 2000), Date.now(), id, from)
    .run();
  if (res.meta.changes) await emitOutcome(env, id, { errorStep: step, errorMessage: message.slice(0, 2000) });
}

/** deployment.ready / deployment.failed webhooks (docs/webhooks.md), the payload of the other deployment.* events. */
async function emitOutcome(env: Env, id: string, extra: Record<string, unknown> = {}) {
  const r = await env.DB.prepare(
    `SELECT d.id, d.workspace_id, d.project_id, d.app_id, d.environment_id, d.status, e.slug AS environment
     FROM deployments d JOIN environments e ON e.id = d.environment_id WHERE d.id = ?1`,
  )
    .bind(id)
    .first<{ id: string; workspace_id: string; project_id: string; app_id: string; environment_id: string; status: string; environment: string }>();
  if (!r || (r.status !== "ready" && r.status !== "failed")) return;
  const data = {
    deploymentId: r.id,
    projectId: r.project_id,
    appId: r.app_id,
    environmentId: r.environment_id,
    environment: r.environment,
    status: r.status,
    ...extra,
  };
  await emitWebhookEvent(env, r.workspace_id, { type: r.status === "ready" ? "deployment.ready" : "deployment.failed", data });
}

function outboundFor(rt: Partial<EnvironmentSettings["runtime"]>): Fetcher | null {
  if (rt.outboundNetwork === "none") return null;
  return (selfExports as unknown as { DeploymentOutbound: (o?: unknown) => Fetcher }).DeploymentOutbound({ props: {} });
}

export async function runCodeLifecycle(env: Env, deploymentId: string): Promise<void> {
  const row = await env.DB.prepare(
    `SELECT d.id, d.workspace_id, d.app_id, d.environment_id, d.status, d.upstream, d.runtime, e.kind AS env_kind, a.is_rolled_back
     FROM deployments d JOIN environments e ON e.id = d.environment_id JOIN deploy_apps a ON a.id = d.app_id WHERE d.id = ?1`,
  )
    .bind(deploymentId)
    .first<Row>();
  if (!row || row.status !== "pending") return;
  const sha = (JSON.parse(row.upstream) as { bundle?: string }).bundle;
  const rt = JSON.parse(row.runtime) as EnvironmentSettings["runtime"];
  if (!(await setStatus(env, row.id, "pending", "building"))) return;
  const loader = env.LOADER as WorkerLoader | undefined;
  const bucket = env.BUNDLES as R2Bucket | undefined;
  if (!loader || !bucket || !sha)
    return fail(env, row.id, "building", "building", "Code deployments are not configured on this API Worker (LOADER and BUNDLES bindings).");
  let bundle: Bundle | null;
  try {
    bundle = await loadBundle(bucket, row.workspace_id, sha);
  } catch (e) {
    return fail(env, row.id, "building", "building", `The bundle could not be read: ${(e as Error).message}`);
  }
  if (!bundle) return fail(env, row.id, "building", "building", "The bundle is no longer stored.");

  // building: does the code start, and does it export fetch?
  try {
    const res = await loader
      .get(`check:${row.workspace_id}:${sha}`, () => checkCode(bundle))
      .getEntrypoint()
      .fetch("http://check.internal/");
    const { hasFetch } = (await res.json()) as { hasFetch: boolean };
    if (!hasFetch)
      return fail(
        env,
        row.id,
        "building",
        "building",
        `The main module '${bundle.mainModule}' has no default export with a fetch handler (export default { fetch(request, env, ctx) { … } }).`,
      );
  } catch (e) {
    return fail(env, row.id, "building", "building", `The bundle does not start: ${startError(e)}`);
  }
  if (!(await setStatus(env, row.id, "building", "deploying"))) return;

  // deploying: variables, then the health probe with the env it will serve with
  const appEnv = await deploymentEnv(env, row.id);
  if (!appEnv.ok) return fail(env, row.id, "deploying", "deploying", appEnv.error);
  const hc = rt.healthcheck as { method?: string; path?: string } | null | undefined;
  const method = hc?.method ?? "GET";
  const path = hc?.path ?? "/";
  try {
    const code = appCode(bundle, {
      env: withInstanceVars(appEnv.env, "cloudflare::probe", "probe"),
      limits: runtimeLimits(rt),
      globalOutbound: outboundFor(rt),
    });
    // a fresh id per deployment: the probe runs with this deployment's own env
    const res = await loader
      .get(`probe:${row.id}`, () => code)
      .getEntrypoint()
      .fetch(
        new Request(`https://health.internal${path}`, {
          method,
          headers: { "user-agent": "unkey-health-probe" },
          signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        }),
      );
    await res.body?.cancel();
  } catch (e) {
    return fail(env, row.id, "deploying", "deploying", `The health probe ${method} ${path} threw: ${startError(e)}`);
  }

  // ready, and the pointer moves in the same batch
  const now = Date.now();
  const takesTraffic = row.env_kind === "preview" || !row.is_rolled_back;
  const stmts = [env.DB.prepare("UPDATE deployments SET status = 'ready', updated_at = ?1 WHERE id = ?2 AND status = 'deploying'").bind(now, row.id)];
  if (takesTraffic) {
    // only if the ready write happened (changes() of the previous statement)
    stmts.push(
      env.DB.prepare(
        "UPDATE environments SET current_deployment_id = ?1, updated_at = ?2 WHERE id = ?3 AND EXISTS (SELECT 1 FROM deployments WHERE id = ?1 AND status = 'ready')",
      ).bind(row.id, now, row.environment_id),
    );
    if (row.env_kind === "production") {
      stmts.push(
        env.DB.prepare(
          "UPDATE deploy_apps SET current_deployment_id = ?1, updated_at = ?2 WHERE id = ?3 AND is_rolled_back = 0 AND EXISTS (SELECT 1 FROM deployments WHERE id = ?1 AND status = 'ready')",
        ).bind(row.id, now, row.app_id),
      );
    }
  }
  await env.DB.batch(stmts);
  await emitOutcome(env, row.id);
}
