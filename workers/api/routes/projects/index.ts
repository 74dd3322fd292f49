import type { App } from "../../route";
import { register as createProject } from "./createProject";
import { register as deleteProject } from "./deleteProject";
import { register as getProject } from "./getProject";
import { register as listProjects } from "./listProjects";
import { register as updateProject } from "./updateProject";

export function registerProjects(app: App) {
  createProject(app);
  deleteProject(app);
  getProject(app);
  listProjects(app);
  updateProject(app);
}
