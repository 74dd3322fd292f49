import { base58 } from "./crypto";

/** Prefixed ids: `<prefix>_<base58 of 16 random bytes>`, unguessable and URL-safe. */
export type IdPrefix =
  | "ws"
  | "api"
  | "ks"
  | "key"
  | "id"
  | "rl"
  | "rlns"
  | "rlor"
  | "perm"
  | "role"
  | "req"
  | "log"
  | "cor"
  | "mig"
  | "dek"
  | "pc"
  | "ps"
  | "pst"
  | "pat"
  | "proj"
  | "app"
  | "env"
  | "dep"
  | "dom"
  | "pol"
  | "evt"
  | "whe"
  | "msg";

export function newId(prefix: IdPrefix, bytes = 16): string {
  return `${prefix}_${base58(crypto.getRandomValues(new Uint8Array(bytes)))}`;
}
