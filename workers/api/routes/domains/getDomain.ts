import { db } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { allowed, scoped } from "../../../lib/deploy/access";
import { baseDomain } from "../../../lib/deploy/hostnames";
import { domainNotFound, domainResponse, findDomain } from "../../../lib/deploy/domains";
import { DomainData } from "../../../lib/deploy/schemas";
import { ok, defineRoute, z, type App } from "../../route";

export const route = defineRoute({
  operationId: "domains.getDomain",
  summary: "Get a custom domain",
  description:
    "Returns a custom domain by `dom_` id or by name, with its verification status and DNS records. Needs `environment.*.read_domain` or `environment.<environmentId>.read_domain`; without it the domain is reported as not found.",
  errors: [404],
  body: z.object({ domain: z.string().min(4).max(253) }),
  data: DomainData,
});

export const register = (app: App) =>
  app.openapi(route, async (c) => {
    const { domain } = c.req.valid("json");
    const root = await rootKeyAuth(c);
    const row = await findDomain(db(c.env.DB), root.workspaceId, domain);
    if (!row || !allowed(root, scoped("environment", "read_domain", row.environmentId))) throw domainNotFound();
    return ok(c, domainResponse(row, baseDomain(c.env)));
  });
