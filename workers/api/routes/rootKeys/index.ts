import { register as createRootKey } from "./createRootKey";
import { register as deleteRootKey } from "./deleteRootKey";
import { register as listRootKeys } from "./listRootKeys";
import { register as whoami } from "./whoami";
import type { App } from "../../route";

export function registerRootKeys(app: App) {
  createRootKey(app);
  deleteRootKey(app);
  listRootKeys(app);
  whoami(app);
}
