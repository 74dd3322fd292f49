import { register as createPortal } from "./createPortal";
import { register as getPortal } from "./getPortal";
import { register as listPortals } from "./listPortals";
import { register as updatePortal } from "./updatePortal";
import { register as deletePortal } from "./deletePortal";
import { register as createSession } from "./createSession";
import { register as exchangeCode } from "./exchangeCode";
import { register as listKeys } from "./listKeys";
import { register as getVerifications } from "./getVerifications";
import { register as rerollKey } from "./rerollKey";
import type { App } from "../../route";

export function registerPortal(app: App) {
  createPortal(app);
  getPortal(app);
  listPortals(app);
  updatePortal(app);
  deletePortal(app);
  createSession(app);
  exchangeCode(app);
  listKeys(app);
  getVerifications(app);
  rerollKey(app);
}
