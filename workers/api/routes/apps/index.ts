import type { App } from "../../route";
import { register as createApp } from "./createApp";
import { register as deleteApp } from "./deleteApp";
import { register as getApp } from "./getApp";
import { register as listApps } from "./listApps";
import { register as updateApp } from "./updateApp";

export function registerApps(app: App) {
  createApp(app);
  deleteApp(app);
  getApp(app);
  listApps(app);
  updateApp(app);
}
