import { and, eq } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { allowed, scoped } from "../../../lib/deploy/access";
import { domainNotFound, findDomain } from "../../../lib/deploy/domains";
import { EmptyData } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "domains.deleteDomain",
  summary: "Detach a custom domain",
  description:
    "Detaches a custom domain (by `dom_` id or name); the Sentinel stops routing it at once. DNS records are left for you to remove. Needs `environment.*.delete_domain` or `environment.<environmentId>.delete_domain`; without it the domain is reported as not found.",
  errors: [404],
  body: z.object({ domain: z.string().min(4).max(253) }),
  data: EmptyData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { domain } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const d = db(c.env.DB);
    const row = await findDomain(d, root.workspaceId, domain);
    if (!row || !allowed(root, scoped("environment", "delete_domain", row.environmentId))) throw domainNotFound();
    await d.batch([
      d.delete(schema.customDomains).where(eq(schema.customDomains.id, row.id)),
      // only this workspace's route: another workspace may hold the verified claim of the name
      d
        .delete(schema.gatewayRoutes)
        .where(
          and(eq(schema.gatewayRoutes.hostname, row.domain), eq(schema.gatewayRoutes.kind, "custom"), eq(schema.gatewayRoutes.workspaceId, row.workspaceId)),
        ),
      ...auditInserts(c.var.scope, root.workspaceId, [
        { event: "domain.delete", description: `Detached ${row.domain}`, targets: [{ type: "domain", id: row.id, name: row.domain }] },
      ]),
    ]);
    return ok(c, {});
  });
