/** Every webhook event type (docs/webhooks.md documents each payload). */
export const WEBHOOK_EVENT_TYPES = [
  "key.created",
  "key.updated",
  "key.deleted",
  "key.rerolled",
  "key.expiring",
  "key.expired",
  "key.credits_low",
  "key.credits_exhausted",
  "key.refilled",
  "key.leaked",
  "root_key.leaked",
  "key.disabled_leaked",
  "ratelimit.exceeded",
  "deployment.ready",
  "deployment.failed",
  "deployment.promoted",
  "deployment.rolled_back",
  "webhook.test",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Types an endpoint may subscribe to (`webhook.test` is only sent by webhooks.sendTest). */
export const SUBSCRIBABLE_EVENT_TYPES = WEBHOOK_EVENT_TYPES.filter((t) => t !== "webhook.test");

/** Events about one key: an endpoint's `apiIds` limits these to keys of those APIs. */
export const isKeyEvent = (t: string) => t.startsWith("key.");
