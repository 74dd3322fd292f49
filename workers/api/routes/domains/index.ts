import type { App } from "../../route";
import { register as createDomain } from "./createDomain";
import { register as deleteDomain } from "./deleteDomain";
import { register as getDomain } from "./getDomain";
import { register as listDomains } from "./listDomains";
import { register as verifyDomain } from "./verifyDomain";

export function registerDomains(app: App) {
  createDomain(app);
  deleteDomain(app);
  getDomain(app);
  listDomains(app);
  verifyDomain(app);
}
