import type { App } from "../../route";
import { register as createIdentity } from "./createIdentity";
import { register as getIdentity } from "./getIdentity";
import { register as listIdentities } from "./listIdentities";
import { register as updateIdentity } from "./updateIdentity";
import { register as deleteIdentity } from "./deleteIdentity";

export function registerIdentities(app: App) {
  createIdentity(app);
  getIdentity(app);
  listIdentities(app);
  updateIdentity(app);
  deleteIdentity(app);
}
