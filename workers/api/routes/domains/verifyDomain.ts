import { and, eq, ne } from "drizzle-orm";
import { db, schema } from "../../../lib/db";
import { rootKeyAuth } from "../../middleware/auth";
import { auditInserts } from "../../../lib/audit";
import { ApiError } from "../../../lib/errors";
import { allowed, scoped } from "../../../lib/deploy/access";
import { checkDns, domainNotFound, findDomain } from "../../../lib/deploy/domains";
import { okWith, withSuccessStatus } from "../../route";
import { EmptyData } from "../../../lib/deploy/schemas";
import { defineRoute, z, type App } from "../../route";

export const route = withSuccessStatus(
  defineRoute({
    operationId: "domains.verifyDomain",
    summary: "Verify a custom domain",
    description:
      "Checks the domain's TXT ownership record now (over DNS-over-HTTPS, the resolver named by DNS_RESOLVER_URL) and restarts its 24-hour verification window; answers 202. When this claim's record is found the domain becomes verified, the Sentinel routes it, and other workspaces' pending claims of the name are deleted; otherwise it stays `verifying` with a `verificationError`. An already verified domain gives 412; a name another workspace proved first gives 409. Needs `environment.*.verify_domain` or `environment.<environmentId>.verify_domain`; without it the domain is reported as not found.",
    errors: [404, 409, 412],
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
    const t = schema.customDomains;
    const provenElsewhere = () => new ApiError("unkey/data/domain_already_exists", `The domain ${row.domain} was verified by another workspace first.`);
    const winner = await d
      .select({ id: t.id })
      .from(t)
      .where(and(eq(t.domain, row.domain), eq(t.status, "verified"), ne(t.id, row.id)))
      .limit(1);
    if (winner[0]) throw provenElsewhere();
    const result = await checkDns(row, c.env.DNS_RESOLVER_URL);
    const now = Date.now();
    const audit = auditInserts(c.var.scope, root.workspaceId, [
      {
        event: "domain.verify",
        description: `Verification of ${row.domain}: ${result.ok ? "verified" : "pending DNS"}`,
        targets: [{ type: "domain", id: row.id, name: row.domain }],
      },
    ]);
    if (!result.ok) {
      await d.batch([
        d.update(t).set({ status: "verifying", verificationError: result.error, createdAt: now, updatedAt: now }).where(eq(t.id, row.id)),
        ...audit,
      ]);
      return okWith(c, {}, 202) as never;
    }
    // One batch: the claim becomes verified (the partial unique index lets only one claim of a
    // name be verified, so of two concurrent winners the second fails here), gets its route,
    // and the other workspaces' claims are released.
    try {
      await d.batch([
        d.update(t).set({ status: "verified", verificationError: null, createdAt: now, updatedAt: now }).where(eq(t.id, row.id)),
        d
          .insert(schema.gatewayRoutes)
          .values({
            hostname: row.domain,
            workspaceId: row.workspaceId,
            projectId: row.projectId,
            appId: row.appId,
            environmentId: row.environmentId,
            deploymentId: null,
            kind: "custom",
            createdAt: now,
          })
          .onConflictDoNothing(),
        d.delete(t).where(and(eq(t.domain, row.domain), ne(t.id, row.id), ne(t.status, "verified"))),
        ...audit,
      ]);
    } catch (e) {
      if (/UNIQUE constraint/i.test(String((e as Error).message ?? e))) throw provenElsewhere();
      throw e;
    }
    return okWith(c, {}, 202) as never;
  });
