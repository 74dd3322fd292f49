import { register as createWorkspace } from "./createWorkspace";
import { register as updateWorkspace } from "./updateWorkspace";
import type { App } from "../../route";

export function registerWorkspaces(app: App) {
  createWorkspace(app);
  updateWorkspace(app);
}
