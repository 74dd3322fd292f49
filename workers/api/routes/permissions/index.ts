import type { App } from "../../route";
import { register as createPermission } from "./createPermission";
import { register as getPermission } from "./getPermission";
import { register as listPermissions } from "./listPermissions";
import { register as deletePermission } from "./deletePermission";
import { register as createRole } from "./createRole";
import { register as getRole } from "./getRole";
import { register as listRoles } from "./listRoles";
import { register as deleteRole } from "./deleteRole";
import { register as setRolePermissions } from "./setRolePermissions";

export function registerPermissions(app: App) {
  createPermission(app);
  getPermission(app);
  listPermissions(app);
  deletePermission(app);
  createRole(app);
  getRole(app);
  listRoles(app);
  deleteRole(app);
  setRolePermissions(app);
}
