/**
 * An error the CLI reports to the user and exits 1 on. `lines` are printed as they are;
 * `envelope` (an API error body) is what `--output json` prints instead. `transient` marks
 * failures worth retrying (unreachable server, 429, 5xx).
 */
export class CliError extends Error {
  /**
   * @param {string} message
   * @param {{ lines?: string[]; envelope?: unknown; status?: number; transient?: boolean }} [opts]
   */
  constructor(message, { lines, envelope, status, transient = false } = {}) {
    super(message);
    this.name = "CliError";
    this.lines = lines ?? [message];
    this.envelope = envelope;
    this.status = status;
    this.transient = transient;
  }
}
