import { register as createApi } from "./createApi";
import { register as deleteApi } from "./deleteApi";
import { register as getApi } from "./getApi";
import { register as listKeys } from "./listKeys";
import { register as updateApi } from "./updateApi";
import type { App } from "../../route";

export function registerApis(app: App) {
  createApi(app);
  deleteApi(app);
  getApi(app);
  listKeys(app);
  updateApi(app);
}
