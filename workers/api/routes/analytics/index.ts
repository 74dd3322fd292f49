import { register as getVerifications } from "./getVerifications";
import { register as getRatelimits } from "./getRatelimits";
import { register as getGatewayRequests } from "./getGatewayRequests";
import { register as getRuntimeLogs } from "./getRuntimeLogs";
import type { App } from "../../route";

export function registerAnalytics(app: App) {
  getVerifications(app);
  getRatelimits(app);
  getGatewayRequests(app);
  getRuntimeLogs(app);
}
