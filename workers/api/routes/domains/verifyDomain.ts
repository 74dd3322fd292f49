import { eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { rootKeyAuth } from "../../../lib/auth/rootKey";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { allowed, scoped } from "../../../lib/deploy/access";
import { baseDomain } from "../../../lib/deploy/hostnames";
import { checkDns, domainNotFound, findDomain, localMode } from "../../../lib/deploy/domains";
import { okWith, withSuccessStatus } from "../../../lib/deploy/deployments";
import { EmptyData } from "../../../lib/deploy/schemas";
import { rpcRoute, z, type App } from "../../rpc";

export const route = withSuccessStatus(
  rpcRoute({
    operationId: "domains.verifyDomain",
    summary: "Verify a custom domain",
    description:
      "Checks the domain's TXT ownership record now and restarts its 24-hour verification window; answers 202. When the record is found the domain becomes verified and the Sentinel routes it; otherwise it stays `verifying` with a `verificationError`. An already verified domain gives 412. Needs `environment.*.verify_domain` or `environment.<environmentId>.verify_domain`; without it the domain is reported as not found.",
    errors: [404, 412],
    body: z.object({ domain: z.string().min(4).max(253) }),
    data: EmptyData,
  }),
  202,
);

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { domain } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const row = await findDomain(d, root.workspaceId, domain);
    if (!row || !allowed(root, scoped("environment", "verify_domain", row.environmentId))) throw domainNotFound();
    if (row.status === "verified") throw new ApiError("unkey/application/precondition_failed", "The domain is already verified.");
    const result = localMode(baseDomain(c.env)) ? ({ ok: true } as const) : await checkDns(row);
    const now = Date.now();
    await d.batch([
      d
        .update(schema.customDomains)
        .set({ status: result.ok ? "verified" : "verifying", verificationError: result.ok ? null : result.error, createdAt: now, updatedAt: now })
        .where(eq(schema.customDomains.id, row.id)),
      ...(result.ok
        ? [
            d
              .insert(schema.gatewayRoutes)
              .values({ hostname: row.domain, workspaceId: row.workspaceId, projectId: row.projectId, appId: row.appId, environmentId: row.environmentId, deploymentId: null, kind: "custom", createdAt: now })
              .onConflictDoNothing(),
          ]
        : []),
      ...auditInserts(c, root.workspaceId, [
        { event: "domain.verify", description: `Verification of ${row.domain}: ${result.ok ? "verified" : "pending DNS"}`, targets: [{ type: "domain", id: row.id, name: row.domain }] },
      ]),
    ]);
    return okWith(c, {}, 202) as never;
  });
