import { register as secretScanning } from "./secretScanning";
import { register as installApp } from "./installApp";
import type { App } from "../../route";

export function registerGithub(app: App) {
  secretScanning(app);
  installApp(app);
}
