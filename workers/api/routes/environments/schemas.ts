import { z } from "../../route";

/** Schemas shared by several endpoints of this group. */

export const VariableKey = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
