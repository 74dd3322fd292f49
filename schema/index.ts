// Every table, for drizzle at run time. The main database (DB) holds all but ./analytics, which
// lives in the analytics database (ANALYTICS_DB); drizzle.config.ts and drizzle.analytics.config.ts
// say which module generates which migrations.
export * from "./workspaces";
export * from "./apis";
export * from "./keys";
export * from "./identities";
export * from "./rbac";
export * from "./ratelimits";
export * from "./audit";
export * from "./portal";
export * from "./deploy";
export * from "./analytics";
export * from "./webhooks";
