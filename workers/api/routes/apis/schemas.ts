import { z } from "../../route";

/** Schemas shared by several endpoints of this group. */

export const apiIdSchema = z
  .string()
  .min(8)
  .max(255)
  .regex(/^[a-zA-Z0-9_]+$/);
