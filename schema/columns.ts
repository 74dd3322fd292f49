import { integer } from "drizzle-orm/sqlite-core";

// Shared column helpers: every timestamp is Unix milliseconds, as the public contract uses.
export const ms = (name: string) => integer(name);
export const bool = (name: string) => integer(name, { mode: "boolean" });
export const createdAt = () => integer("created_at").notNull();
export const updatedAt = () => integer("updated_at");
export const deletedAt = () => integer("deleted_at");
