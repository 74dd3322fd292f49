import type { App } from "../../route";
import { register as createEndpoint } from "./createEndpoint";
import { register as getEndpoint } from "./getEndpoint";
import { register as listEndpoints } from "./listEndpoints";
import { register as updateEndpoint } from "./updateEndpoint";
import { register as deleteEndpoint } from "./deleteEndpoint";
import { register as rotateSecret } from "./rotateSecret";
import { register as sendTest } from "./sendTest";
import { register as listDeliveries } from "./listDeliveries";
import { register as retryDelivery } from "./retryDelivery";

/** Lifecycle webhooks (our extension, docs/webhooks.md). */
export function registerWebhooks(app: App) {
  createEndpoint(app);
  getEndpoint(app);
  listEndpoints(app);
  updateEndpoint(app);
  deleteEndpoint(app);
  rotateSecret(app);
  sendTest(app);
  listDeliveries(app);
  retryDelivery(app);
}
