import type { App } from "../../route";
import { register as createKey } from "./createKey";
import { register as getKey } from "./getKey";
import { register as whoami } from "./whoami";
import { register as updateKey } from "./updateKey";
import { register as deleteKey } from "./deleteKey";
import { register as rerollKey } from "./rerollKey";
import { register as migrateKeys } from "./migrateKeys";
import { register as createMigration } from "./createMigration";
import { register as getMigration } from "./getMigration";
import { register as addPermissions } from "./addPermissions";
import { register as removePermissions } from "./removePermissions";
import { register as setPermissions } from "./setPermissions";
import { register as addRoles } from "./addRoles";
import { register as removeRoles } from "./removeRoles";
import { register as setRoles } from "./setRoles";
import { register as verifyKey } from "./verifyKey";
import { register as updateCredits } from "./updateCredits";

/** The keys.* routes. */
export function registerKeys(app: App) {
  createKey(app);
  getKey(app);
  whoami(app);
  updateKey(app);
  deleteKey(app);
  rerollKey(app);
  migrateKeys(app);
  createMigration(app);
  getMigration(app);
  addPermissions(app);
  removePermissions(app);
  setPermissions(app);
  addRoles(app);
  removeRoles(app);
  setRoles(app);
  verifyKey(app);
  updateCredits(app);
}
