import { compact } from "../compact";
import type { AppRow, DeploymentRow, EnvironmentRow, ProjectRow } from "./resources";

export const DEPLOYMENT_STATUSES = [
  "pending",
  "starting",
  "building",
  "deploying",
  "network",
  "finalizing",
  "ready",
  "failed",
  "skipped",
  "awaiting_approval",
  "stopped",
  "superseded",
  "cancelled",
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** What a deployment can do next (sentinel-deploy §3.2). */
export function availableActions(dep: DeploymentRow, environment: EnvironmentRow, app: AppRow): ("promote" | "rollback" | "stop" | "start")[] {
  const out: ("promote" | "rollback" | "stop" | "start")[] = [];
  if (environment.kind === "production") {
    const current = app.currentDeploymentId === dep.id;
    if (dep.status === "ready" && app.currentDeploymentId && (!current || app.isRolledBack)) out.push("promote");
    if (dep.status === "ready" && !current) out.push("rollback");
  } else {
    if (dep.status === "ready") out.push("stop");
    if (dep.status === "stopped") out.push("start");
  }
  return out;
}

export function deploymentResponse(dep: DeploymentRow, ctx: { project: ProjectRow; app: AppRow; environment: EnvironmentRow }, hostnames: string[]) {
  const r = dep.runtime;
  return compact({
    id: dep.id,
    status: dep.status as DeploymentStatus,
    isCurrent: ctx.environment.kind === "production" && ctx.app.currentDeploymentId === dep.id,
    environment: ctx.environment.slug,
    app: ctx.app.slug,
    project: ctx.project.slug,
    git: dep.gitCommitSha ? compact({ commitSha: dep.gitCommitSha, branch: dep.gitBranch }) : undefined,
    docker: dep.dockerImage ? { image: dep.dockerImage } : undefined,
    availableActions: availableActions(dep, ctx.environment, ctx.app),
    regions: [] as string[],
    error:
      dep.status === "failed"
        ? {
            code: dep.errorStep === "building" ? ("build_failed" as const) : ("unknown" as const),
            step: dep.errorStep ?? "deploying",
            message: dep.errorMessage ?? "deployment failed",
          }
        : undefined,
    domains: hostnames,
    runtime: compact({
      vCpus: r.vCpus,
      memoryMib: r.memoryMib,
      storageMib: r.storageMib,
      port: r.port,
      command: r.command,
      shutdownSignal: r.shutdownSignal as "SIGTERM",
      upstreamProtocol: r.upstreamProtocol as "http1",
      healthcheck: (r.healthcheck ?? undefined) as never,
    }),
    upstream: "bundle" in dep.upstream ? undefined : dep.upstream,
    bundleSha256: "bundle" in dep.upstream ? dep.upstream.bundle : undefined,
    createdAt: dep.createdAt,
    updatedAt: dep.updatedAt,
  });
}
