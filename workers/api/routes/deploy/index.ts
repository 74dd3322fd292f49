import type { App } from "../../route";
import { register as createDeployment } from "./createDeployment";
import { register as getDeployment } from "./getDeployment";

export function registerDeploy(app: App) {
  createDeployment(app);
  getDeployment(app);
}
