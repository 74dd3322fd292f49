import type { App } from "../../route";
import { register as limit } from "./limit";
import { register as multiLimit } from "./multiLimit";
import { register as setOverride } from "./setOverride";
import { register as getOverride } from "./getOverride";
import { register as listOverrides } from "./listOverrides";
import { register as deleteOverride } from "./deleteOverride";
import { register as deleteNamespace } from "./deleteNamespace";

export function registerRatelimit(app: App) {
  limit(app);
  multiLimit(app);
  setOverride(app);
  getOverride(app);
  listOverrides(app);
  deleteOverride(app);
  deleteNamespace(app);
}
