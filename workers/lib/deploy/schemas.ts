import { z } from "@hono/zod-openapi";
import { DEPLOYMENT_STATUSES } from "./deployments";

/** An id or a slug (projects, apps, environments). */
export const ResourceIdentifier = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[a-zA-Z0-9_-]+$/);
export const Slug = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[a-zA-Z0-9_-]+$/);
export const Name = z.string().min(1).max(256);

export const ProjectData = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    createdAt: z.number().int(),
    updatedAt: z.number().int().optional(),
    deleteProtection: z.boolean(),
  })
  .openapi("Project");

export const AppGit = z.object({ repository: z.string().min(1).max(255), defaultBranch: z.string().min(1).max(256).optional() });

export const AppData = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    git: AppGit.optional(),
    currentDeploymentId: z.string().optional(),
    isRolledBack: z.boolean(),
    deleteProtection: z.boolean(),
    createdAt: z.number().int(),
    updatedAt: z.number().int().optional(),
  })
  .openapi("App");

export const Healthcheck = z
  .object({
    method: z.enum(["GET", "POST"]),
    path: z
      .string()
      .min(1)
      .max(512)
      .regex(/^(\/[\w-]+)+(\.[\w]+)?$/),
    intervalSeconds: z.number().int().min(1).max(3600).optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
    failureThreshold: z.number().int().min(1).max(100).optional(),
    initialDelaySeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict();

export const Region = z.object({ name: z.string().min(1).max(64), replicas: z.object({ min: z.number().int(), max: z.number().int() }).strict() }).strict();

const Signal = z.enum(["SIGTERM", "SIGINT", "SIGQUIT", "SIGKILL"]);
const Protocol = z.enum(["http1", "h2c"]);

export const EnvironmentData = z
  .object({
    id: z.string(),
    slug: z.string(),
    description: z.string(),
    kind: z.enum(["production", "preview"]),
    deleteProtection: z.boolean(),
    createdAt: z.number().int(),
    updatedAt: z.number().int().optional(),
    runtime: z
      .object({
        port: z.number().int(),
        vCpus: z.number(),
        memoryMib: z.number().int(),
        storageMib: z.number().int(),
        command: z.array(z.string()),
        healthcheck: Healthcheck.optional(),
        shutdownSignal: Signal,
        upstreamProtocol: Protocol,
        openapiSpecPath: z.string().optional(),
        forwardUnderscoreHeaders: z
          .boolean()
          .optional()
          .openapi({ description: "Our extension: the Sentinel forwards header names containing `_` (default false)." }),
        cpuMsPerRequest: z.number().int().optional().openapi({ description: "Our extension (code deployments): CPU milliseconds per request (default 50)." }),
        subrequestsPerRequest: z.number().int().optional().openapi({ description: "Our extension (code deployments): subrequests per request (default 50)." }),
        outboundNetwork: z.enum(["public", "none"]).optional().openapi({
          description: "Our extension (code deployments): `public` (default) lets the app fetch public destinations; `none` gives it no outbound network.",
        }),
      })
      .optional(),
    build: z
      .object({
        dockerfile: z.string().optional(),
        rootDirectory: z.string(),
        buildCommand: z.string().optional(),
        watchPaths: z.array(z.string()),
        autoDeploy: z.boolean(),
      })
      .optional(),
    regions: z.array(Region).optional(),
    hostnames: z.array(z.string()).openapi({ description: "Hostnames serving this environment through the Sentinel (our extension)." }),
  })
  .openapi("Environment");

export const Upstream = z
  .union([
    z.object({ url: z.url({ protocol: /^https?$/ }).max(2048) }).strict(),
    z
      .object({
        worker: z
          .string()
          .min(1)
          .max(64)
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
      })
      .strict(),
  ])
  .openapi("DeploymentUpstream", {
    description:
      "Where the Sentinel forwards requests (our extension, in place of a Docker image): a public HTTP(S) origin, or the name of a Worker service binding of the Sentinel listed in its APP_WORKER_BINDINGS. Loopback, private, link-local and the platform's own hosts and bindings are refused (400; docs/sentinel.md, Destinations).",
  });

export const DeploymentData = z
  .object({
    id: z.string(),
    status: z.enum(DEPLOYMENT_STATUSES),
    isCurrent: z.boolean(),
    environment: z.string(),
    app: z.string(),
    project: z.string(),
    git: z.object({ commitSha: z.string(), branch: z.string().optional() }).optional(),
    docker: z.object({ image: z.string() }).optional(),
    availableActions: z.array(z.enum(["promote", "rollback", "stop", "start"])),
    regions: z.array(z.string()),
    error: z
      .object({
        code: z.enum([
          "no_schedulable_regions",
          "invalid_runtime_settings",
          "cpu_quota_exceeded",
          "memory_quota_exceeded",
          "storage_quota_exceeded",
          "build_failed",
          "unknown",
        ]),
        step: z.string(),
        message: z.string(),
      })
      .optional(),
    domains: z.array(z.string()).optional(),
    runtime: z.object({
      vCpus: z.number(),
      memoryMib: z.number().int(),
      storageMib: z.number().int(),
      port: z.number().int(),
      command: z.array(z.string()),
      shutdownSignal: Signal,
      upstreamProtocol: Protocol,
      healthcheck: Healthcheck.optional(),
    }),
    upstream: Upstream.optional(),
    bundleSha256: z.string().optional().openapi({ description: "Our extension: the code bundle a code deployment runs (its SHA-256)." }),
    createdAt: z.number().int(),
    updatedAt: z.number().int().optional(),
  })
  .openapi("Deployment");

export const DnsRecord = z.object({
  type: z.enum(["CNAME", "ALIAS", "TXT"]),
  name: z.string(),
  value: z.string(),
  ttl: z.number().int(),
  verified: z.boolean(),
  note: z.string().optional(),
});

export const DomainData = z
  .object({
    id: z.string(),
    domain: z.string(),
    projectId: z.string(),
    appId: z.string(),
    environmentId: z.string(),
    status: z.enum(["pending", "verifying", "verified", "failed"]),
    verificationError: z.string().optional(),
    dnsRecords: z.array(DnsRecord),
    createdAt: z.number().int(),
    updatedAt: z.number().int().optional(),
  })
  .openapi("Domain");

export const EmptyData = z.object({}).strict();
