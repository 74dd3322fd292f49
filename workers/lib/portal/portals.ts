import { and, eq, or } from "drizzle-orm";
import { z } from "@hono/zod-openapi";
import type { Database } from "../db";
import { schema } from "../db";
import { ApiError } from "../errors";
import { or as anyOf, satisfies, describeMissing, type Grants } from "../auth/permissions";
import type { PortalRow } from "../../../schema/portal";

/** A portal id (`pc_…`) or its slug, as the routes accept it. */
export const portalIdentifier = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[a-zA-Z0-9_-]+$/)
  .openapi({ description: "The portal's id (`pc_…`) or its slug.", example: "acme-developers" });

/** Lowercase letters, digits and single inner hyphens; 3–64 characters. */
export const portalSlug = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "lowercase letters, digits and single hyphens, not at either end")
  .openapi({ example: "acme-developers" });

export const portalLogoUrl = z
  .string()
  .max(500)
  .refine((v) => {
    try {
      return new URL(v).protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an absolute https:// URL");

export const portalColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour");
export const portalName = z.string().min(1).max(100);
export const portalDocs = z.string().max(100_000);

export const DEFAULT_PRIMARY_COLOR = "#2563eb";

export const PortalResponse = z
  .object({
    id: z.string(),
    slug: z.string(),
    apiId: z.string(),
    name: z.string().optional(),
    logoUrl: z.string().optional(),
    primaryColor: z.string(),
    docsMarkdown: z.string().optional(),
    enabled: z.boolean(),
    createdAt: z.number().int(),
    updatedAt: z.number().int().optional(),
  })
  .openapi("Portal");

export function portalResponse(p: PortalRow): z.infer<typeof PortalResponse> {
  const out: z.infer<typeof PortalResponse> = {
    id: p.id,
    slug: p.slug,
    apiId: p.apiId,
    primaryColor: p.primaryColor,
    enabled: p.enabled,
    createdAt: p.createdAt,
  };
  if (p.name) out.name = p.name;
  if (p.logoUrl) out.logoUrl = p.logoUrl;
  if (p.docsMarkdown) out.docsMarkdown = p.docsMarkdown;
  if (p.updatedAt) out.updatedAt = p.updatedAt;
  return out;
}

/** The portal of the workspace with this id or slug, or null. */
export async function findPortal(d: Database, workspaceId: string, idOrSlug: string): Promise<PortalRow | null> {
  const p = schema.portals;
  const rows = await d
    .select()
    .from(p)
    .where(and(eq(p.workspaceId, workspaceId), or(eq(p.id, idOrSlug), eq(p.slug, idOrSlug))))
    .limit(2);
  // an id and a slug cannot collide (slugs have no "_"), so at most one row matches
  return rows[0] ?? null;
}

export const portalNotFound = () => new ApiError("unkey/data/portal_not_found", "Portal not found.");

/**
 * Looks up a portal for a configuration route that needs `portal.*.<action>` or
 * `portal.<id>.<action>`. A caller with the wildcard learns whether the portal exists (404);
 * a caller without it gets the same 403 whether or not the portal exists, so slugs and ids
 * of portals it may not see are never confirmed.
 */
export async function portalForAction(d: Database, root: Grants & { workspaceId: string }, idOrSlug: string, action: string) {
  const wildcard = `portal.*.${action}`;
  const portal = await findPortal(d, root.workspaceId, idOrSlug);
  if (satisfies(root, wildcard)) {
    if (!portal) throw portalNotFound();
    return portal;
  }
  if (portal && satisfies(root, `portal.${portal.id}.${action}`)) return portal;
  throw new ApiError("unkey/authorization/insufficient_permissions", describeMissing(anyOf(wildcard, `portal.<portalId>.${action}`)));
}
