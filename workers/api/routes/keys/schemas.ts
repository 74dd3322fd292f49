import { z } from "../../route";

/** Schemas shared by several endpoints of this group. */

export const keyIdField = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[a-zA-Z0-9_]+$/);

export const roleNames = z.array(z.string().min(1).max(128)).max(100);
