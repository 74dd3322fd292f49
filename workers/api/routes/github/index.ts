import { register as secretScanning } from "./secretScanning";
import type { App } from "../../rpc";

export function registerGithub(app: App) {
  secretScanning(app);
}
