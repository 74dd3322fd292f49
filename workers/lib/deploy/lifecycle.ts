import { and, eq } from "drizzle-orm";
import { schema } from "../db";
import { auditInserts } from "../audit";
import { ApiError, invalidInput } from "../errors";
import type { Upstream } from "../../../schema/deploy";
import type { RootKeyContext } from "../auth/rootKey";
import { emitWebhookEvent } from "../webhooks/emit";
import { appWorkerBindings, destinationPolicy, upstreamProblem } from "../destinations";
import { runCodeLifecycle } from "./build";
import { generatedDeploymentRoute, newDeploymentId, slugsOf, type AppRow, type DeploymentRow, type EnvironmentRow, type ProjectRow } from "./resources";
import type { RequestScope } from "../scope";

/**
 * Creating and re-pointing deployments. A deployment of an upstream needs no build: it is
 * recorded ready at once, with snapshots of the environment's policies, variables and runtime
 * settings. A code deployment (upstream `{ bundle }`) is recorded `pending` and goes through
 * lib/deploy/build.ts in waitUntil; only when it is ready does the pointer move. Production
 * follows the newest ready deployment unless the app is rolled back; previews always do.
 */
export interface NewDeployment {
  upstream: Upstream;
  dockerImage?: string | null;
  git?: { commitSha?: string; branch?: string; message?: string };
  keyspaceId?: string | null;
  trigger: "api" | "cli" | "dashboard" | "unkey" | "github" | "unknown";
  /** where the upstream came from in the request body, for the 400 of a refused destination */
  upstreamLocation?: string;
}

/** `dockerImage` on this platform names an upstream: an http(s) URL or `worker:<binding>`. */
export function upstreamFromImage(image: string, location: string): Upstream {
  const trimmed = image.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      const u = new URL(trimmed);
      return { url: u.toString().replace(/\/$/, "") };
    } catch {
      /* fall through */
    }
  }
  const m = /^worker:([A-Za-z_][A-Za-z0-9_]*)$/.exec(trimmed);
  if (m) return { worker: m[1]! };
  throw invalidInput(
    'Deployments here run on the edge and cannot start container images. Give `upstream` ({"url": "https://…"} or {"worker": "BINDING"}), or a dockerImage that is an http(s) URL or `worker:<BINDING>`.',
    [{ location, message: "not an upstream", fix: 'use upstream: {"url": "https://origin.example"}' }],
  );
}

export function normaliseUpstream(u: Upstream): Upstream {
  if ("bundle" in u) return { bundle: u.bundle };
  return "url" in u ? { url: u.url.replace(/\/+$/, "") } : { worker: u.worker };
}

/** How an upstream is named in audit descriptions and deployment steps. */
export function describeUpstream(u: Upstream): string {
  if ("bundle" in u) return `code bundle ${u.bundle.slice(0, 12)}`;
  return "url" in u ? u.url : `worker ${u.worker}`;
}

export async function createDeployment(
  scope: RequestScope,
  root: RootKeyContext,
  ctx: { project: ProjectRow; app: AppRow; environment: EnvironmentRow },
  input: NewDeployment,
  /** the origin this request reached the API at: never an allowed upstream */
  requestOrigin: string,
): Promise<string> {
  const d = scope.db;
  const { project, app, environment } = ctx;
  // the destination policy (docs/sentinel.md): also re-applied to a redeployed upstream stored before it
  const problem = upstreamProblem(input.upstream, destinationPolicy(scope.env, [requestOrigin]), appWorkerBindings(scope.env));
  if (problem) {
    const location = input.upstreamLocation ?? ("url" in input.upstream ? "/body/upstream/url" : "/body/upstream/worker");
    throw invalidInput(`The upstream ${problem}.`, [
      { location, message: `not an allowed destination: ${problem}`, fix: "use a public http(s) origin, or a Worker binding listed in APP_WORKER_BINDINGS" },
    ]);
  }
  const id = newDeploymentId();
  const now = Date.now();
  const vars = await d
    .select({ key: schema.environmentVariables.key, kind: schema.environmentVariables.kind, encrypted: schema.environmentVariables.encrypted })
    .from(schema.environmentVariables)
    .where(eq(schema.environmentVariables.environmentId, environment.id));
  const isCode = "bundle" in input.upstream;
  const takesTraffic = environment.kind === "preview" || !app.isRolledBack;
  const slugs = await slugsOf(root.workspaceId, project, app);
  const row = {
    id,
    workspaceId: root.workspaceId,
    projectId: project.id,
    appId: app.id,
    environmentId: environment.id,
    status: isCode ? "pending" : "ready",
    upstream: normaliseUpstream(input.upstream),
    policies: environment.policies,
    openapiSpec: null,
    variables: vars,
    runtime: environment.settings.runtime,
    dockerImage: input.dockerImage ?? null,
    gitCommitSha: input.git?.commitSha ?? null,
    gitBranch: input.git?.branch ?? null,
    gitCommitMessage: input.git?.message ?? null,
    trigger: input.trigger,
    errorMessage: null,
    keyspaceId: input.keyspaceId ?? null,
    createdAt: now,
  };
  // a code deployment moves the pointer only once it is ready (lib/deploy/build.ts)
  const pointer =
    takesTraffic && !isCode
      ? [
          d.update(schema.environments).set({ currentDeploymentId: id, updatedAt: now }).where(eq(schema.environments.id, environment.id)),
          ...(environment.kind === "production"
            ? [d.update(schema.deployApps).set({ currentDeploymentId: id, updatedAt: now }).where(eq(schema.deployApps.id, app.id))]
            : []),
        ]
      : [];
  await d.batch([
    d.insert(schema.deployments).values(row),
    d
      .insert(schema.gatewayRoutes)
      .values(generatedDeploymentRoute(row, slugs, now))
      .onConflictDoNothing(),
    ...pointer,
    ...auditInserts(scope, root.workspaceId, [
      {
        event: "deployment.create",
        description: `Created deployment ${id} of ${describeUpstream(row.upstream)}${takesTraffic ? "" : " (not serving: the app is rolled back)"}`,
        targets: [
          { type: "deployment", id },
          { type: "environment", id: environment.id, name: environment.slug },
          { type: "app", id: app.id, name: app.name },
        ],
      },
    ]),
  ]);
  if (isCode) scope.waitUntil(runCodeLifecycle(scope.env, id).catch((e) => console.error(`lifecycle of ${id} failed`, e)));
  return id;
}

type Found = { deployment: DeploymentRow; project: ProjectRow; app: AppRow; environment: EnvironmentRow };

/** Promote: make a ready production deployment current and clear the rolled-back state. */
export async function promote(scope: RequestScope, root: RootKeyContext, f: Found) {
  const { deployment: dep, app, environment } = f;
  if (environment.kind !== "production") throw new ApiError("unkey/application/deployment_not_production", "Only production deployments can be promoted.");
  if (dep.status !== "ready")
    throw new ApiError("unkey/application/deployment_not_ready", `The deployment is ${dep.status}; only ready deployments can be promoted.`);
  if (!app.currentDeploymentId) throw new ApiError("unkey/application/deployment_no_current", "The app has no current deployment to promote over.");
  if (app.currentDeploymentId === dep.id && !app.isRolledBack)
    throw new ApiError("unkey/application/deployment_is_current", "The deployment is already current.");
  await switchCurrent(scope, root, f, false, "deployment.promote", `Promoted deployment ${dep.id}`);
}

/** Rollback: point production at an earlier ready deployment and hold it there. */
export async function rollback(scope: RequestScope, root: RootKeyContext, f: Found) {
  const { deployment: dep, app, environment } = f;
  if (environment.kind !== "production")
    throw new ApiError("unkey/application/deployment_not_production", "Only production deployments can be rolled back to.");
  if (dep.status !== "ready")
    throw new ApiError("unkey/application/deployment_not_ready", `The deployment is ${dep.status}; only ready deployments can be rolled back to.`);
  if (app.currentDeploymentId === dep.id) throw new ApiError("unkey/application/deployment_is_current", "The deployment is already current.");
  await switchCurrent(scope, root, f, true, "deployment.rollback", `Rolled back to deployment ${dep.id}`);
}

/** One batch: the environment and app pointers move together, so no request sees half a switch. */
async function switchCurrent(scope: RequestScope, root: RootKeyContext, f: Found, rolledBack: boolean, event: string, description: string) {
  const d = scope.db;
  const now = Date.now();
  await d.batch([
    d.update(schema.environments).set({ currentDeploymentId: f.deployment.id, updatedAt: now }).where(eq(schema.environments.id, f.environment.id)),
    d
      .update(schema.deployApps)
      .set({ currentDeploymentId: f.deployment.id, isRolledBack: rolledBack, updatedAt: now })
      .where(eq(schema.deployApps.id, f.app.id)),
    ...auditInserts(scope, root.workspaceId, [
      {
        event,
        description,
        targets: [
          { type: "deployment", id: f.deployment.id },
          { type: "app", id: f.app.id, name: f.app.name },
        ],
        meta: { previousDeploymentId: f.app.currentDeploymentId },
      },
    ]),
  ]);
  scope.waitUntil(
    emitWebhookEvent(scope.env, root.workspaceId, {
      type: rolledBack ? "deployment.rolled_back" : "deployment.promoted",
      data: deploymentEventData(f, { previousDeploymentId: f.app.currentDeploymentId }),
    }),
  );
}

/** The `data` of deployment.* webhook events. */
export function deploymentEventData(
  f: { deployment: DeploymentRow; project: ProjectRow; app: AppRow; environment: EnvironmentRow },
  extra: Record<string, unknown> = {},
) {
  return {
    deploymentId: f.deployment.id,
    projectId: f.project.id,
    appId: f.app.id,
    environmentId: f.environment.id,
    environment: f.environment.slug,
    status: f.deployment.status,
    ...extra,
  };
}

/** Stop / start a preview deployment (its hostnames answer 503 while stopped). */
export async function setPreviewRunning(scope: RequestScope, root: RootKeyContext, f: Found, running: boolean) {
  const { deployment: dep, environment } = f;
  if (environment.kind === "production")
    throw new ApiError("unkey/application/deployment_is_production", "Production deployments cannot be stopped or started.");
  if (running && dep.status !== "stopped")
    throw new ApiError("unkey/application/deployment_not_stopped", `The deployment is ${dep.status}; only stopped deployments can be started.`);
  if (!running && dep.status !== "ready")
    throw new ApiError("unkey/application/deployment_not_running", `The deployment is ${dep.status}; only ready deployments can be stopped.`);
  const d = scope.db;
  const now = Date.now();
  await d.batch([
    d
      .update(schema.deployments)
      .set({ status: running ? "ready" : "stopped", updatedAt: now })
      .where(and(eq(schema.deployments.id, dep.id), eq(schema.deployments.status, running ? "stopped" : "ready"))),
    ...auditInserts(scope, root.workspaceId, [
      {
        event: running ? "deployment.wake" : "deployment.stop",
        description: `${running ? "Started" : "Stopped"} deployment ${dep.id}`,
        targets: [{ type: "deployment", id: dep.id }],
      },
    ]),
  ]);
}
