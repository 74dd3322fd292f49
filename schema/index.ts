// Every D1 table. drizzle-kit generates schema/migrations from this module.
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
