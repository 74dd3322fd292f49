import type { App } from "../route";
import { registerLiveness } from "./liveness/liveness";
import { registerApis } from "./apis";
import { registerWorkspaces } from "./workspaces";
import { registerRootKeys } from "./rootKeys";
import { registerPortal } from "./portal";
import { registerKeys } from "./keys";
import { registerPermissions } from "./permissions";
import { registerRatelimit } from "./ratelimit";
import { registerIdentities } from "./identities";
import { registerProjects } from "./projects";
import { registerApps } from "./apps";
import { registerEnvironments } from "./environments";
import { registerDeploy } from "./deploy";
import { registerDeployments } from "./deployments";
import { registerDomains } from "./domains";
import { registerGateway } from "./gateway";
import { registerGithub } from "./github";
import { registerAnalytics } from "./analytics";
import { registerAudit } from "./audit";
import { registerWebhooks } from "./webhooks";

/** Every route group. Each group's index.ts registers its endpoint files. */
export function registerRoutes(app: App) {
  registerLiveness(app);
  registerWorkspaces(app);
  registerRootKeys(app);
  registerApis(app);
  registerPortal(app);
  registerKeys(app);
  registerPermissions(app);
  registerRatelimit(app);
  registerIdentities(app);
  registerProjects(app);
  registerApps(app);
  registerEnvironments(app);
  registerDeploy(app);
  registerDeployments(app);
  registerDomains(app);
  registerGateway(app);
  registerGithub(app);
  registerAnalytics(app);
  registerAudit(app);
  registerWebhooks(app);
}
