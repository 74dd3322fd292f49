import type { App } from "../../route";
import { register as listPolicies } from "./listPolicies";
import { register as setPolicies } from "./setPolicies";
import { register as updatePolicy } from "./updatePolicy";

export function registerGateway(app: App) {
  listPolicies(app);
  setPolicies(app);
  updatePolicy(app);
}
