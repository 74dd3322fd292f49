import { z } from "../../route";

/** Body of one rate-limit check (ratelimit.limit, and each multiLimit item). */
export const LimitRequest = z.object({
  namespace: z.string().min(1).max(512).openapi({ description: "Namespace id (`rlns_…`) or name; created on first use when the root key may." }),
  identifier: z.string().min(1).max(512).openapi({ description: "Whose requests are counted: a user id, an IP, an organisation…" }),
  limit: z.number().int().min(1).openapi({ description: "Tokens allowed per window, unless an override applies." }),
  duration: z.number().int().min(1000).max(2_592_000_000).openapi({ description: "Window length in milliseconds (1 s to 30 days)." }),
  cost: z.number().int().min(0).default(1).openapi({ description: "Tokens this request takes; 0 only checks." }),
});

export const RatelimitOverride = z
  .object({
    overrideId: z.string(),
    identifier: z.string(),
    limit: z.number().int(),
    duration: z.number().int(),
  })
  .openapi("RatelimitOverride");

export const NamespaceAndIdentifier = z.object({
  namespace: z.string().min(1).max(512).openapi({ description: "Namespace id (`rlns_…`) or name." }),
  identifier: z.string().min(1).max(512).openapi({ description: "Identifier or pattern; `*` matches any run of characters." }),
});
