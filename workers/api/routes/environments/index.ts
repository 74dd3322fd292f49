import type { App } from "../../route";
import { register as getEnvironment } from "./getEnvironment";
import { register as listEnvironments } from "./listEnvironments";
import { register as updateSettings } from "./updateSettings";
import { register as listEnvironmentVariables } from "./listEnvironmentVariables";
import { register as setEnvironmentVariables } from "./setEnvironmentVariables";
import { register as removeEnvironmentVariables } from "./removeEnvironmentVariables";

export function registerEnvironments(app: App) {
  getEnvironment(app);
  listEnvironments(app);
  updateSettings(app);
  listEnvironmentVariables(app);
  setEnvironmentVariables(app);
  removeEnvironmentVariables(app);
}
