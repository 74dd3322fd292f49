import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { bool, createdAt, updatedAt, deletedAt } from "./columns";
import { workspaces } from "./workspaces";

/**
 * Deployments on the edge (sentinel-deploy §3): projects → apps → environments → deployments.
 * A deployment is immutable: its upstream, policy snapshot and variable snapshot never change;
 * only its status and which environment points at it do.
 */
export const projects = sqliteTable(
  "projects",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    deleteProtection: bool("delete_protection").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index("projects_workspace_idx").on(t.workspaceId, t.slug)],
);

export const deployApps = sqliteTable(
  "deploy_apps",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    gitRepository: text("git_repository"),
    gitDefaultBranch: text("git_default_branch"),
    /** the production deployment serving traffic */
    currentDeploymentId: text("current_deployment_id"),
    isRolledBack: bool("is_rolled_back").notNull().default(false),
    deleteProtection: bool("delete_protection").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index("deploy_apps_project_idx").on(t.projectId, t.slug)],
);

/** Runtime/build settings as the management API shows them (container fields echoed). */
export interface EnvironmentSettings {
  runtime: {
    port: number;
    vCpus: number;
    memoryMib: number;
    storageMib: number;
    command: string[];
    healthcheck?: Record<string, unknown> | null;
    shutdownSignal: string;
    upstreamProtocol: string;
    openapiSpecPath?: string | null;
    /** our extension: forward request headers whose name contains `_` (default false, docs/sentinel.md) */
    forwardUnderscoreHeaders?: boolean;
    /** our extension, code deployments (docs/deploy.md): CPU ms per request → loader limits.cpuMs */
    cpuMsPerRequest?: number;
    /** our extension, code deployments: subrequests per request → loader limits.subRequests */
    subrequestsPerRequest?: number;
    /** our extension, code deployments: "public" (destination policy) or "none" (no outbound fetch) */
    outboundNetwork?: "public" | "none";
  };
  build: {
    dockerfile?: string | null;
    rootDirectory: string;
    buildCommand?: string | null;
    watchPaths: string[];
    autoDeploy: boolean;
  };
  regions: { name: string; replicas: { min: number; max: number } }[];
}

export const environments = sqliteTable(
  "environments",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    appId: text("app_id")
      .notNull()
      .references(() => deployApps.id),
    slug: text("slug").notNull(),
    kind: text("kind", { enum: ["production", "preview"] }).notNull(),
    deleteProtection: bool("delete_protection").notNull().default(false),
    settings: text("settings", { mode: "json" }).$type<EnvironmentSettings>().notNull(),
    /** ordered gateway policies (JSON, management-API shape with ids) */
    policies: text("policies", { mode: "json" }).$type<unknown[]>().notNull(),
    /** the OpenAPI document the openapi policy validates against (our extension) */
    openapiSpec: text("openapi_spec"),
    /** the deployment the environment hostname (and, for production, the live one) serves */
    currentDeploymentId: text("current_deployment_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("environments_app_slug_idx").on(t.appId, t.slug)],
);

/**
 * Where a deployment's requests go: an origin URL, a Worker binding of the Sentinel, or (a code
 * deployment) a bundle stored in R2 by its SHA-256, run through the Worker Loader.
 */
export type Upstream = { url: string } | { worker: string } | { bundle: string };

export const deployments = sqliteTable(
  "deployments",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    projectId: text("project_id").notNull(),
    appId: text("app_id").notNull(),
    environmentId: text("environment_id").notNull(),
    status: text("status").notNull(),
    upstream: text("upstream", { mode: "json" }).$type<Upstream>().notNull(),
    /** policy snapshot taken at creation */
    policies: text("policies", { mode: "json" }).$type<unknown[]>().notNull(),
    /** OpenAPI document snapshot taken at creation */
    openapiSpec: text("openapi_spec"),
    /** variables snapshot: keys with their encrypted values */
    variables: text("variables", { mode: "json" }).$type<{ key: string; kind: string; encrypted: string }[]>().notNull(),
    runtime: text("runtime", { mode: "json" }).$type<EnvironmentSettings["runtime"]>().notNull(),
    dockerImage: text("docker_image"),
    gitCommitSha: text("git_commit_sha"),
    gitBranch: text("git_branch"),
    gitCommitMessage: text("git_commit_message"),
    trigger: text("trigger").notNull(),
    errorMessage: text("error_message"),
    /** the lifecycle step that failed (building, deploying), for failed code deployments */
    errorStep: text("error_step"),
    keyspaceId: text("keyspace_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("deployments_workspace_idx").on(t.workspaceId, t.createdAt), index("deployments_environment_idx").on(t.environmentId, t.createdAt)],
);

/**
 * Uploaded code bundles (docs/deploy.md), content-addressed per workspace: the R2 object
 * `bundles/<workspaceId>/<sha256>` holds the bundle JSON; this row its metadata. Scoped by
 * workspace so one tenant can never learn whether another uploaded the same code.
 */
export const deployBundles = sqliteTable(
  "deploy_bundles",
  {
    workspaceId: text("workspace_id").notNull(),
    sha256: text("sha256").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    gzipBytes: integer("gzip_bytes").notNull(),
    mainModule: text("main_module").notNull(),
    compatibilityDate: text("compatibility_date").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("deploy_bundles_ws_sha_idx").on(t.workspaceId, t.sha256)],
);

export const environmentVariables = sqliteTable(
  "environment_variables",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id),
    key: text("key").notNull(),
    kind: text("kind", { enum: ["recoverable", "writeonly"] }).notNull(),
    /** "<keyId>:<base64 iv+ciphertext>" (AES-GCM) */
    encrypted: text("encrypted").notNull(),
    description: text("description"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("environment_variables_key_idx").on(t.environmentId, t.key)],
);

export const customDomains = sqliteTable(
  "custom_domains",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    projectId: text("project_id").notNull(),
    appId: text("app_id").notNull(),
    environmentId: text("environment_id").notNull(),
    domain: text("domain").notNull(),
    status: text("status", { enum: ["pending", "verifying", "verified", "failed"] }).notNull(),
    verificationError: text("verification_error"),
    verificationToken: text("verification_token").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // Claims: one per workspace and name; several workspaces may claim a name while pending, and
  // at most one claim of a name is verified (the first to prove ownership; the others are deleted).
  (t) => [
    uniqueIndex("custom_domains_workspace_domain_idx").on(t.workspaceId, t.domain),
    uniqueIndex("custom_domains_verified_domain_idx").on(t.domain).where(sql`${t.status} = 'verified'`),
    index("custom_domains_domain_idx").on(t.domain),
    index("custom_domains_env_idx").on(t.environmentId, t.id),
  ],
);

/**
 * Host → where it goes. Generated hostnames are stored without the base domain (the Sentinel
 * strips SENTINEL_BASE_DOMAIN first); custom domains are stored as full names.
 * `deploymentId` is set for hostnames pinned to one deployment, else the environment's
 * current deployment is served.
 */
export const gatewayRoutes = sqliteTable(
  "gateway_routes",
  {
    hostname: text("hostname").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    projectId: text("project_id").notNull(),
    appId: text("app_id").notNull(),
    environmentId: text("environment_id").notNull(),
    deploymentId: text("deployment_id"),
    kind: text("kind", { enum: ["live", "environment", "deployment", "custom"] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("gateway_routes_app_idx").on(t.appId), index("gateway_routes_env_idx").on(t.environmentId)],
);
