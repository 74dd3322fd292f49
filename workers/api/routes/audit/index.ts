import { register as getLog } from "./getLog";
import { register as listLogs } from "./listLogs";
import type { App } from "../../route";

export function registerAudit(app: App) {
  getLog(app);
  listLogs(app);
}
