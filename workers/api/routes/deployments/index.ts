import type { App } from "../../route";
import { register as createDeployment } from "./createDeployment";
import { register as getDeployment } from "./getDeployment";
import { register as getMetrics } from "./getMetrics";
import { register as listDeployments } from "./listDeployments";
import { register as promoteDeployment } from "./promoteDeployment";
import { register as rollbackDeployment } from "./rollbackDeployment";
import { register as startDeployment } from "./startDeployment";
import { register as stopDeployment } from "./stopDeployment";

export function registerDeployments(app: App) {
  createDeployment(app);
  getDeployment(app);
  getMetrics(app);
  listDeployments(app);
  promoteDeployment(app);
  rollbackDeployment(app);
  startDeployment(app);
  stopDeployment(app);
}
