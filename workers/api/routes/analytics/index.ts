import { register as getVerifications } from "./getVerifications";
import type { App } from "../../rpc";

export function registerAnalytics(app: App) {
  getVerifications(app);
}
