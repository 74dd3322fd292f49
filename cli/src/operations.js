// Every `unkey api <group> <action>` command, declared once. The command tree, each command's
// help (description, every flag with its type, examples) and the JSON body it sends are all
// generated from this table by commands/api.js.
//
// `unkey api <group> <action>` calls `POST /v2/<group>.<action in camelCase>`; a group such as
// `root-keys` becomes `rootKeys`. A flag fills the body field of its own name in camelCase, with
// a trailing `-json` dropped (`--meta-json` → `meta`), unless it names another `field`.
//
// Flag kinds: string, int, bool (`--flag`, `--flag=false`), list (comma-separated and/or
// repeated → string[]), json (parsed; `jsonShape` checks object vs array).

const str = (name, help, o = {}) => ({ name, type: "string", help, ...o });
const int = (name, help, o = {}) => ({ name, type: "int", help, ...o });
const bool = (name, help, o = {}) => ({ name, type: "bool", help, ...o });
const list = (name, help, o = {}) => ({ name, type: "list", help, ...o });
const obj = (name, help, o = {}) => ({ name, type: "json", jsonShape: "object", help, ...o });
const arr = (name, help, o = {}) => ({ name, type: "json", jsonShape: "array", help, ...o });
const required = { required: true };

const limitFlag = int("limit", "page size, 1 to 100 (server default 100)");
const cursorFlag = str("cursor", "continue after the previous page: pass its pagination.cursor");
const ratelimitsHelp = 'rate limits as a JSON array: [{"name":"requests","limit":100,"duration":60000,"autoApply":true}] (duration in ms)';
const creditsHelp =
  'usage credits as JSON: {"remaining":1000} or with a refill {"remaining":100,"refill":{"interval":"daily","amount":100}}; {"remaining":null} = unlimited';

const KEY_COLUMNS = ["keyId", "start", "name", "enabled", "credits.remaining", "identity.externalId", "expires", "createdAt"];

export const GROUPS = [
  {
    name: "analytics",
    description: "Query key verification analytics with SQL",
    operations: [
      {
        action: "get-verifications",
        summary: "Run a SQL query over your key verification events",
        description:
          "Runs a read-only SQL query against the verification events of your workspace and returns one " +
          "object per result row. The root key needs api.*.read_analytics (whole workspace) or " +
          "api.<apiId>.read_analytics (only those APIs' keys).",
        flags: [str("query", "the SQL query, e.g. over the key_verifications_v1 table", required)],
        examples: [
          `unkey api analytics get-verifications --query "SELECT outcome, COUNT(*) AS total FROM key_verifications_v1 GROUP BY outcome"`,
          `unkey api analytics get-verifications --output table --query "SELECT key_id, COUNT(*) AS n FROM key_verifications_v1 GROUP BY key_id ORDER BY n DESC LIMIT 10"`,
        ],
        table: {},
      },
      {
        action: "get-runtime-logs",
        summary: "Run a SQL query over your code deployments' runtime logs",
        description:
          "Runs a read-only SQL query against runtime_logs_v1: every console.* line and uncaught exception of " +
          "your code deployments (docs/deploy.md). The root key needs project.*.read_runtime_logs or " +
          "project.<projectId>.read_runtime_logs.",
        flags: [str("query", "the SQL query over the runtime_logs_v1 table", required)],
        examples: [
          `unkey api analytics get-runtime-logs --output table --query "SELECT time, severity, message FROM runtime_logs_v1 ORDER BY time DESC LIMIT 20"`,
        ],
        table: {},
      },
    ],
  },
  {
    name: "deployments",
    description: "Deployment metrics (our extension)",
    operations: [
      {
        action: "get-metrics",
        summary: "Requests per second, status classes, latency percentiles and CPU time of a deployment",
        description:
          "Per interval of [start-time, end-time) (Unix ms, at most 7 days): the requests the Sentinel served for the " +
          "deployment, with the SQL of each figure (docs/deploy.md). The root key needs project.*.read_gateway_requests " +
          "or project.<projectId>.read_gateway_requests.",
        flags: [
          str("deployment-id", "the deployment, d_…", required),
          int("start-time", "start of the range, Unix ms", required),
          int("end-time", "end of the range, Unix ms", required),
          int("interval-ms", "interval length in ms (at least 10000; default: the range / 60)"),
        ],
        examples: ["unkey api deployments get-metrics --deployment-id d_123 --start-time 1767225600000 --end-time 1767229200000"],
      },
    ],
  },
  {
    name: "apis",
    description: "Create, inspect, configure and delete APIs (the containers your keys live in)",
    operations: [
      {
        action: "create-api",
        summary: "Create an API",
        description: "Creates an API with its own key space and prints its id. Needs api.*.create_api.",
        flags: [str("name", "a name for the API, 3 to 256 characters", required)],
        examples: ["unkey api apis create-api --name payments-production"],
      },
      {
        action: "get-api",
        summary: "Show one API",
        description: "Prints the id and name of an API. Needs api.*.read_api or api.<apiId>.read_api.",
        flags: [str("api-id", "the API's id (api_...)", required)],
        examples: ["unkey api apis get-api --api-id api_1234567890"],
      },
      {
        action: "delete-api",
        summary: "Delete an API",
        description:
          "Deletes an API; its keys stop verifying at once. Fails while delete protection is on " +
          "(see `unkey api apis update-api --delete-protection=false`). Needs api.*.delete_api or api.<apiId>.delete_api.",
        flags: [str("api-id", "the API's id (api_...)", required)],
        examples: ["unkey api apis delete-api --api-id api_1234567890"],
      },
      {
        action: "list-keys",
        summary: "List the keys of an API",
        description:
          "Lists the keys of an API, oldest id first, one page at a time. Use --cursor with the cursor of " +
          "the previous page to continue. Needs read_key and read_api on the API (and decrypt_key for --decrypt).",
        flags: [
          str("api-id", "the API's id (api_...)", required),
          limitFlag,
          cursorFlag,
          str("external-id", "only keys of the identity with this external id"),
          bool("decrypt", "include the plaintext of recoverable keys", { default: false }),
          bool("revalidate-keys-cache", "ask the server to skip its key cache", { default: false }),
        ],
        examples: [
          "unkey api apis list-keys --api-id api_1234567890",
          "unkey api apis list-keys --api-id api_1234567890 --limit 20 --output table",
          "unkey api apis list-keys --api-id api_1234567890 --external-id user_42 --output json",
        ],
        table: { columns: KEY_COLUMNS },
      },
      {
        action: "update-api",
        summary: "Change the settings of an API",
        description:
          "Sets delete protection, the IP allowlist, encrypted storage of recoverable keys and the default " +
          "prefix and byte length of new keys. Flags left out keep their value. Needs api.*.update_api or api.<apiId>.update_api.",
        flags: [
          str("api-id", "the API's id (api_...)", required),
          bool("delete-protection", "refuse delete-api while on"),
          str("ip-whitelist", "comma-separated IP addresses or CIDR ranges allowed to verify keys", { nullable: true }),
          bool("store-encrypted-keys", "allow recoverable keys (stored encrypted)"),
          str("default-prefix", "prefix of new keys when create-key sets none (up to 8 characters)", { nullable: true }),
          int("default-bytes", "random bytes of new keys when create-key sets none (16 to 255)", { nullable: true }),
          bool("secret-scanning", "act on GitHub secret-scanning reports about this API's keys"),
        ],
        examples: [
          "unkey api apis update-api --api-id api_1234567890 --delete-protection",
          'unkey api apis update-api --api-id api_1234567890 --ip-whitelist "10.0.0.0/8,192.0.2.7"',
          "unkey api apis update-api --api-id api_1234567890 --default-prefix sk --default-bytes 24",
        ],
      },
    ],
  },
  {
    name: "audit",
    description: "Read the audit log of your workspace (our extension)",
    operations: [
      {
        action: "list-logs",
        summary: "List audit log events, newest first",
        description:
          "Lists the events recorded for changes in your workspace (who did what, when, to which resources), " +
          "newest first, one page at a time. Filters combine with AND; events older than the workspace's audit " +
          "retention are not returned. Needs workspace.*.read_audit_logs.",
        flags: [
          list("events", "only these event types, e.g. key.create,api.delete"),
          list("actor-ids", "only events caused by these actors (root key ids, user ids, ...)"),
          list("root-key-ids", "only events performed by these root keys"),
          int("start-time", "only events at or after this time (Unix ms)"),
          int("end-time", "only events at or before this time (Unix ms)"),
          str("since", "only events of the last 30m, 24h, 7d, 2w, ... (a number and m, h, d or w)"),
          str("bucket", "log namespace (server default unkey_mutations)"),
          int("limit", "page size, 1 to 200 (server default 50)"),
          cursorFlag,
        ],
        examples: [
          "unkey api audit list-logs --limit 20 --output table",
          "unkey api audit list-logs --events key.create,key.delete --root-key-ids key_1234567890",
          "unkey api audit list-logs --since 24h --output json",
        ],
        table: { columns: ["id", "time", "event", "actor.type", "actor.id", "description"] },
      },
      {
        action: "get-log",
        summary: "Show one audit log event",
        description: "Prints one audit log event with its actor, targets and metadata. Needs workspace.*.read_audit_logs.",
        flags: [str("log-id", "the event's id (log_...)", required)],
        examples: ["unkey api audit get-log --log-id log_1234567890"],
      },
    ],
  },
  {
    name: "identities",
    description: "Manage identities: your users or tenants, shared by their keys",
    operations: [
      {
        action: "create-identity",
        summary: "Create an identity",
        description:
          "Creates an identity for one of your users or tenants. Keys created with the same external id " +
          "share its metadata and rate limits. Needs identity.*.create_identity.",
        flags: [
          str("external-id", "your id for the user or tenant", required),
          obj("meta-json", 'metadata as a JSON object, e.g. {"plan":"pro"}'),
          arr("ratelimits-json", ratelimitsHelp),
        ],
        examples: [
          `unkey api identities create-identity --external-id user_42 --meta-json '{"plan":"pro"}'`,
          `unkey api identities create-identity --external-id org_7 --ratelimits-json '[{"name":"requests","limit":1000,"duration":60000,"autoApply":true}]'`,
        ],
      },
      {
        action: "get-identity",
        summary: "Show one identity",
        description: "Prints an identity with its metadata and rate limits. Needs identity.*.read_identity.",
        flags: [str("identity", "the identity's id (id_...) or its external id", required)],
        examples: ["unkey api identities get-identity --identity user_42"],
      },
      {
        action: "delete-identity",
        summary: "Delete an identity",
        description: "Deletes an identity and its rate limits; its keys stay. Needs identity.*.delete_identity.",
        flags: [str("identity", "the identity's id (id_...) or its external id", required)],
        examples: ["unkey api identities delete-identity --identity user_42"],
      },
      {
        action: "list-identities",
        summary: "List identities",
        description: "Lists the identities of your workspace, one page at a time. Needs identity.*.read_identity.",
        flags: [limitFlag, cursorFlag, str("search", "only identities whose external id contains this text")],
        examples: ["unkey api identities list-identities --limit 50 --output table"],
        table: { columns: ["id", "externalId", "meta", "ratelimits"] },
      },
      {
        action: "update-identity",
        summary: "Change an identity's metadata or rate limits",
        description: "Replaces the metadata and/or the rate limits of an identity; flags left out keep their value. " + "Needs identity.*.update_identity.",
        flags: [
          str("identity", "the identity's id (id_...) or its external id", required),
          obj("meta-json", "new metadata as a JSON object (replaces the old)"),
          arr("ratelimits-json", ratelimitsHelp + "; [] removes all"),
        ],
        examples: [
          `unkey api identities update-identity --identity user_42 --meta-json '{"plan":"enterprise"}'`,
          "unkey api identities update-identity --identity user_42 --ratelimits-json '[]'",
        ],
      },
    ],
  },
  {
    name: "keys",
    description: "Create, verify, change and migrate API keys",
    operations: [
      {
        action: "create-key",
        summary: "Create a key",
        description:
          "Creates a key in an API and prints its id and plaintext. The plaintext is shown only this once " +
          "(unless the key is recoverable). Needs api.*.create_key or api.<apiId>.create_key.",
        flags: [
          str("api-id", "the API the key belongs to (api_...)", required),
          str("prefix", "text put before the key, e.g. sk (joined with _)"),
          str("name", "a name for the key, shown in listings"),
          int("byte-length", "random bytes in the key, 16 to 255 (default 16)"),
          str("external-id", "link the key to this identity (created when missing)"),
          obj("meta-json", 'metadata returned on every verification, e.g. {"plan":"pro"}'),
          list("roles", "names of existing roles to give the key"),
          list("permissions", "permission slugs to give the key (created when missing)"),
          int("expires", "when the key stops working, Unix time in ms"),
          obj("credits-json", creditsHelp),
          arr("ratelimits-json", ratelimitsHelp),
          bool("enabled", "whether the key works right away", { default: true }),
          bool("recoverable", "store the key encrypted so it can be shown again", { default: false }),
        ],
        examples: [
          "unkey api keys create-key --api-id api_1234567890 --prefix sk --name ci",
          `unkey api keys create-key --api-id api_1234567890 --external-id user_42 --credits-json '{"remaining":1000}'`,
          `unkey api keys create-key --api-id api_1234567890 --permissions documents.read,documents.write --roles admin`,
        ],
      },
      {
        action: "get-key",
        summary: "Show one key",
        description: "Prints a key's settings (never its secret, unless --decrypt on a recoverable key). Needs read_key on its API.",
        flags: [str("key-id", "the key's id (key_...)", required), bool("decrypt", "include the plaintext of a recoverable key", { default: false })],
        examples: ["unkey api keys get-key --key-id key_1234567890"],
      },
      {
        action: "delete-key",
        summary: "Delete a key",
        description:
          "Deletes a key; it stops verifying at once. With --permanent the key and its links are removed for good " +
          "instead of being marked deleted. Needs delete_key on its API.",
        flags: [str("key-id", "the key's id (key_...)", required), bool("permanent", "remove the row instead of marking it deleted", { default: false })],
        examples: ["unkey api keys delete-key --key-id key_1234567890", "unkey api keys delete-key --key-id key_1234567890 --permanent"],
      },
      {
        action: "verify-key",
        summary: "Verify a key",
        description:
          "Checks a key the way your service would: prints valid, a code (VALID, NOT_FOUND, USAGE_EXCEEDED, " +
          "RATE_LIMITED, ...) and the key's details. Spends credits and rate-limit tokens like any verification. " +
          "Needs verify_key on the key's API.",
        flags: [
          str("key", "the key's plaintext", required),
          list("tags", "tags recorded with this verification for analytics"),
          str("permissions", 'a permission query the key must satisfy, e.g. "documents.read AND (a OR b)"'),
          obj("credits-json", 'credits to spend, e.g. {"cost":5} (default cost 1 for keys with credits)'),
          arr("ratelimits-json", 'rate limits to check, e.g. [{"name":"requests","cost":2}]'),
          str("migration-id", "migration to look the key up in when it is not found natively"),
          bool("fail-invalid", "exit with code 2 when the answer's code is not VALID (our extension)", { local: true }),
        ],
        helpAfter: [
          "Exit code: 0 when the server answered (valid or not), 1 on any error; with --fail-invalid, 2 when the",
          "answer's code is not VALID, so scripts can test a key with `if unkey api keys verify-key ... --fail-invalid`.",
        ],
        // --fail-invalid: an answer that is not VALID is a failure for scripts (printed as usual first)
        exitCode: (result, flags) => (flags.failInvalid && result.body?.data?.code !== "VALID" ? 2 : 0),
        examples: [
          "unkey api keys verify-key --key sk_3ZaDbq1Vq9LzB2Kf7",
          'unkey api keys verify-key --key "$KEY" --fail-invalid --output json',
          `unkey api keys verify-key --key sk_3ZaDbq1Vq9LzB2Kf7 --permissions "documents.read" --credits-json '{"cost":2}'`,
        ],
      },
      {
        action: "update-key",
        summary: "Change a key's settings",
        description:
          "Changes the given settings of a key; flags left out keep their value, and `null` removes a value where " +
          "noted. --roles and --permissions replace the key's direct roles and permissions. Needs update_key on its API.",
        flags: [
          str("key-id", "the key's id (key_...)", required),
          str("name", "a new name", { nullable: true }),
          str("external-id", "link to this identity (created when missing)", { nullable: true }),
          obj("meta-json", "new metadata as a JSON object (replaces the old)", { nullable: true }),
          int("expires", "new expiry, Unix time in ms", { nullable: true }),
          obj("credits-json", creditsHelp, { nullable: true }),
          arr("ratelimits-json", ratelimitsHelp + "; [] removes all"),
          bool("enabled", "enable or disable the key"),
          list("roles", "the key's roles from now on (replaces the old)"),
          list("permissions", "the key's direct permissions from now on (replaces the old)"),
        ],
        examples: [
          "unkey api keys update-key --key-id key_1234567890 --enabled=false",
          "unkey api keys update-key --key-id key_1234567890 --name ci-runner --expires null",
          `unkey api keys update-key --key-id key_1234567890 --credits-json '{"remaining":500}'`,
        ],
      },
      {
        action: "reroll-key",
        summary: "Replace a key with a new one",
        description:
          "Creates a new key with the same settings and prints it; the old key keeps working for --expiration " +
          "milliseconds (0 = revoke now). Needs create_key on its API.",
        flags: [
          str("key-id", "the id of the key to replace (key_...)", required),
          int("expiration", "how long the old key keeps working, in ms; 0 revokes it at once", required),
        ],
        examples: [
          "unkey api keys reroll-key --key-id key_1234567890 --expiration 0",
          "unkey api keys reroll-key --key-id key_1234567890 --expiration 86400000",
        ],
      },
      {
        action: "whoami",
        summary: "Find out which key a plaintext is",
        description: "Looks a key up by its plaintext and prints its id and settings, without verifying it. Needs read_key.",
        flags: [str("key", "the key's plaintext", required)],
        examples: ["unkey api keys whoami --key sk_3ZaDbq1Vq9LzB2Kf7"],
      },
      {
        action: "migrate-keys",
        summary: "Import keys that were hashed elsewhere",
        description:
          "Imports keys you already hashed into an API, under a migration created with create-migration. " +
          "Give the keys inline with --keys-json (one request, as Unkey's CLI does) or in a CSV or JSON-lines " +
          "file with --file: the file is checked first, then sent in batches with a progress bar on a terminal " +
          "(nothing but the result with --output json), and a summary of migrated and failed keys ends the run. " +
          "With --file the exit code is 1 when any key failed or the run was interrupted (Ctrl-C ends it after " +
          "the batches in flight). Needs create_key on the API.",
        helpAfter: [
          "File formats (one key per line; blank lines and lines starting with # are skipped; see docs/cli.md):",
          '  .jsonl  one JSON object per line: {"hash":"<hash>","name":"ci","externalId":"user_42","meta":{"plan":"pro"}}',
          "  .csv    a header row naming the columns: hash (required), name, externalId, meta, roles,",
          "          permissions, expires, enabled, credits, ratelimits. meta, credits and ratelimits cells hold",
          "          JSON (quoted, inner quotes doubled); roles and permissions are separated by |.",
          "",
          "Before sending, every hash is checked against the migration's algorithm (asked from the server with",
          "keys.getMigration, or given with --hash): 44 base64 characters for sha256/sha256_base64, 64 hex characters",
          "for the others. One that does not fit, or repeats an earlier one, is not sent and is reported as failed",
          "with its reason, as is each hash the server refuses.",
        ],
        flags: [
          str("migration-id", "the migration the keys belong to (from create-migration)", required),
          str("api-id", "the API to import the keys into (api_...)", required),
          arr("keys-json", 'the keys as a JSON array: [{"hash":"...","name":"..."}]', { placeholder: "<json>" }),
          str("file", "read the keys from this .csv or .jsonl file instead", { placeholder: "<path>", local: true }),
          str("format", "file format when the extension does not tell", { choices: ["csv", "jsonl"], local: true }),
          int("batch-size", "keys per request with --file (1 to 1000)", { default: 100, local: true }),
          int("concurrency", "requests in flight at once with --file (1 to 16)", { default: 1, local: true }),
          str("failed-file", "with --file: also write the hashes that failed here, one per line", { placeholder: "<path>", local: true }),
          str("hash", "the migration's hash algorithm, to check hashes against (default: asked from the server)", {
            choices: ["sha256", "sha256_base64", "sha256_hex", "github.com/seamapi/prefixed-api-key"],
            local: true,
          }),
        ],
        examples: [
          "unkey api keys migrate-keys --migration-id mig_123 --api-id api_1234567890 --file keys.jsonl",
          "unkey api keys migrate-keys --migration-id mig_123 --api-id api_1234567890 --file keys.csv --hash sha256_hex",
          "unkey api keys migrate-keys --migration-id mig_123 --api-id api_1234567890 --file keys.csv --concurrency 4 --output json > result.json",
          `unkey api keys migrate-keys --migration-id mig_123 --api-id api_1234567890 --keys-json '[{"hash":"cM2HRVoQrNVURomF+Va0bHUtz4IZeZLrkI8NqtEw1W8="}]'`,
        ],
        custom: "migrateKeys",
      },
      {
        action: "create-migration",
        summary: "Start a key migration (our extension)",
        description:
          "Creates a migration for an API and prints its id, to use with migrate-keys and verify-key " +
          "--migration-id. --hash names how your keys were hashed: sha256 or sha256_base64 (base64 SHA-256 of " +
          "the whole key; such keys verify directly), sha256_hex (hex SHA-256 of the whole key) or " +
          "github.com/seamapi/prefixed-api-key (hex SHA-256 of the last part of <prefix>_<short>_<long> keys). " +
          "Needs create_key on the API.",
        flags: [
          str("api-id", "the API the keys will be imported into (api_...)", required),
          str("hash", "how the keys were hashed", {
            default: "sha256",
            sendDefault: true,
            choices: ["sha256", "sha256_base64", "sha256_hex", "github.com/seamapi/prefixed-api-key"],
          }),
        ],
        examples: [
          "unkey api keys create-migration --api-id api_1234567890",
          "unkey api keys create-migration --api-id api_1234567890 --hash github.com/seamapi/prefixed-api-key",
        ],
      },
      {
        action: "add-permissions",
        summary: "Give a key more permissions",
        description: "Adds permissions directly to a key, keeping the ones it has; unknown slugs are created. Needs rbac.*.add_permission_to_key.",
        flags: [str("key-id", "the key's id (key_...)", required), list("permissions", "permission slugs or ids to add", required)],
        examples: ["unkey api keys add-permissions --key-id key_1234567890 --permissions documents.read,documents.write"],
      },
      {
        action: "remove-permissions",
        summary: "Take permissions away from a key",
        description: "Removes direct permissions from a key (role permissions stay). Needs rbac.*.remove_permission_from_key.",
        flags: [str("key-id", "the key's id (key_...)", required), list("permissions", "permission slugs or ids to remove", required)],
        examples: ["unkey api keys remove-permissions --key-id key_1234567890 --permissions documents.write"],
      },
      {
        action: "set-permissions",
        summary: "Replace a key's permissions",
        description: "Makes exactly these the key's direct permissions. Needs rbac.*.add_permission_to_key and rbac.*.remove_permission_from_key.",
        flags: [str("key-id", "the key's id (key_...)", required), list("permissions", "the complete set of permission slugs or ids", required)],
        examples: ["unkey api keys set-permissions --key-id key_1234567890 --permissions documents.read"],
      },
      {
        action: "add-roles",
        summary: "Give a key more roles",
        description: "Adds existing roles to a key, keeping the ones it has. Needs rbac.*.add_role_to_key.",
        flags: [str("key-id", "the key's id (key_...)", required), list("roles", "role names or ids to add", required)],
        examples: ["unkey api keys add-roles --key-id key_1234567890 --roles admin,billing"],
      },
      {
        action: "remove-roles",
        summary: "Take roles away from a key",
        description: "Removes roles from a key. Needs rbac.*.remove_role_from_key.",
        flags: [str("key-id", "the key's id (key_...)", required), list("roles", "role names or ids to remove", required)],
        examples: ["unkey api keys remove-roles --key-id key_1234567890 --roles billing"],
      },
      {
        action: "set-roles",
        summary: "Replace a key's roles",
        description: "Makes exactly these the key's roles. Needs rbac.*.add_role_to_key and rbac.*.remove_role_from_key.",
        flags: [str("key-id", "the key's id (key_...)", required), list("roles", "the complete set of role names or ids", required)],
        examples: ["unkey api keys set-roles --key-id key_1234567890 --roles reader"],
      },
      {
        action: "update-credits",
        summary: "Set, add or remove a key's credits",
        description:
          "Changes the remaining credits of a key and prints the new balance. `set` without --value makes the key " + "unlimited. Needs update_key on its API.",
        flags: [
          str("key-id", "the key's id (key_...)", required),
          str("operation", "what to do with --value", { ...required, choices: ["set", "increment", "decrement"] }),
          int("value", "the amount; leave out with set for unlimited credits"),
        ],
        examples: [
          "unkey api keys update-credits --key-id key_1234567890 --operation increment --value 100",
          "unkey api keys update-credits --key-id key_1234567890 --operation set",
        ],
        finish: (body) => (body.operation === "set" && body.value === undefined ? { ...body, value: null } : body),
      },
    ],
  },
  {
    name: "permissions",
    description: "Manage permissions and roles for role-based access control",
    operations: [
      {
        action: "create-permission",
        summary: "Create a permission",
        description: "Creates a permission keys can hold and verify-key can ask for. Needs rbac.*.create_permission.",
        flags: [
          str("name", "a readable name", required),
          str("slug", "the identifier used in keys and queries, e.g. documents.read", required),
          str("description", "what the permission allows"),
        ],
        examples: ['unkey api permissions create-permission --name "Read documents" --slug documents.read'],
      },
      {
        action: "create-role",
        summary: "Create a role",
        description: "Creates a role, a named bundle of permissions to give keys. Needs rbac.*.create_role.",
        flags: [
          str("name", "the role's name, used when assigning it", required),
          str("description", "what the role is for"),
          list("permissions", "permission slugs or ids the role grants"),
        ],
        examples: ['unkey api permissions create-role --name editor --description "Can edit documents"'],
      },
      {
        action: "get-permission",
        summary: "Show one permission",
        description: "Prints a permission. Needs rbac.*.read_permission.",
        flags: [str("permission", "the permission's id (perm_...) or slug", required)],
        examples: ["unkey api permissions get-permission --permission documents.read"],
      },
      {
        action: "get-role",
        summary: "Show one role",
        description: "Prints a role with its permissions. Needs rbac.*.read_role.",
        flags: [str("role", "the role's id (role_...) or name", required)],
        examples: ["unkey api permissions get-role --role editor"],
      },
      {
        action: "delete-permission",
        summary: "Delete a permission",
        description: "Deletes a permission and takes it away from every key and role. Needs rbac.*.delete_permission.",
        flags: [str("permission", "the permission's id (perm_...) or slug", required)],
        examples: ["unkey api permissions delete-permission --permission documents.read"],
      },
      {
        action: "delete-role",
        summary: "Delete a role",
        description: "Deletes a role and takes it away from every key. Needs rbac.*.delete_role.",
        flags: [str("role", "the role's id (role_...) or name", required)],
        examples: ["unkey api permissions delete-role --role editor"],
      },
      {
        action: "list-permissions",
        summary: "List permissions",
        description: "Lists the permissions of your workspace, one page at a time. Needs rbac.*.read_permission.",
        flags: [limitFlag, cursorFlag, str("search", "only permissions whose name or slug contains this text")],
        examples: ["unkey api permissions list-permissions --output table"],
        table: { columns: ["id", "slug", "name", "description"] },
      },
      {
        action: "list-roles",
        summary: "List roles",
        description: "Lists the roles of your workspace with their permissions, one page at a time. Needs rbac.*.read_role.",
        flags: [limitFlag, cursorFlag, str("search", "only roles whose name contains this text")],
        examples: ["unkey api permissions list-roles --limit 10 --output table"],
        table: { columns: ["id", "name", "description", "permissions"] },
      },
      {
        action: "set-role-permissions",
        summary: "Replace a role's permissions (our extension)",
        description:
          "Makes exactly these the permissions of a role; missing slugs are created. Every key with the role " +
          "gains and loses permissions accordingly. Needs rbac.*.add_permission_to_role and rbac.*.remove_permission_from_role.",
        flags: [
          str("role-id", "the role's id (role_...)", required),
          list("permissions", "the complete set of permission slugs; an empty value clears them", required),
        ],
        examples: ["unkey api permissions set-role-permissions --role-id role_1234567890 --permissions documents.read,documents.write"],
        table: { columns: ["id", "slug", "name", "description"] },
      },
    ],
  },
  {
    name: "ratelimit",
    description: "Rate-limit anything by identifier, and manage per-identifier overrides",
    operations: [
      {
        action: "limit",
        summary: "Check and count one request against a rate limit",
        description:
          "Counts a request of --identifier in --namespace (created on first use) against --limit per --duration " +
          "and prints whether it passed, what remains and when the window resets. An override for the identifier " +
          "wins over --limit/--duration. Needs ratelimit.*.limit.",
        flags: [
          str("namespace", "the namespace's name or id, e.g. api.requests", required),
          str("identifier", "who is being limited, e.g. a user id or IP", required),
          int("limit", "requests allowed per window", required),
          int("duration", "window length in ms (at least 1000)", required),
          int("cost", "how many requests this one counts as (default 1)"),
        ],
        examples: ["unkey api ratelimit limit --namespace api.requests --identifier user_42 --limit 100 --duration 60000"],
      },
      {
        action: "multi-limit",
        summary: "Check several rate limits at once, all or nothing",
        description:
          "Checks up to 100 limits in one call; when any of them would be exceeded none is counted. Each item " +
          "is a limit request (namespace, identifier, limit, duration, cost). Needs ratelimit.*.limit.",
        flags: [
          arr("limits-json", 'the checks as a JSON array: [{"namespace":"api","identifier":"u1","limit":10,"duration":60000}]', {
            required: true,
            field: "$body",
          }),
        ],
        examples: [
          `unkey api ratelimit multi-limit --limits-json '[{"namespace":"api","identifier":"u1","limit":10,"duration":60000},{"namespace":"tokens","identifier":"u1","limit":1000,"duration":3600000,"cost":50}]'`,
        ],
        table: { rows: "limits", columns: ["namespace", "identifier", "passed", "limit", "remaining", "reset", "overrideId"] },
      },
      {
        action: "set-override",
        summary: "Give an identifier its own limit",
        description:
          "Creates or replaces an override: a custom limit for one identifier (or a pattern with *) in a namespace. " + "Needs ratelimit.*.set_override.",
        flags: [
          str("namespace", "the namespace's name or id", required),
          str("identifier", "the identifier, or a pattern such as *@example.com", required),
          int("limit", "requests allowed per window for it", required),
          int("duration", "window length in ms (at least 1000)", required),
        ],
        examples: ["unkey api ratelimit set-override --namespace api.requests --identifier user_42 --limit 1000 --duration 60000"],
      },
      {
        action: "get-override",
        summary: "Show the override of an identifier",
        description: "Prints the override stored for exactly this identifier. Needs ratelimit.*.read_override.",
        flags: [str("namespace", "the namespace's name or id", required), str("identifier", "the identifier or pattern", required)],
        examples: ["unkey api ratelimit get-override --namespace api.requests --identifier user_42"],
      },
      {
        action: "delete-override",
        summary: "Remove the override of an identifier",
        description: "Deletes an override; the identifier goes back to the limit its callers ask for. Needs ratelimit.*.delete_override.",
        flags: [str("namespace", "the namespace's name or id", required), str("identifier", "the identifier or pattern", required)],
        examples: ["unkey api ratelimit delete-override --namespace api.requests --identifier user_42"],
      },
      {
        action: "list-overrides",
        summary: "List the overrides of a namespace",
        description: "Lists a namespace's overrides, one page at a time. Needs ratelimit.*.read_override.",
        flags: [str("namespace", "the namespace's name or id", required), limitFlag, cursorFlag],
        examples: ["unkey api ratelimit list-overrides --namespace api.requests --output table"],
        table: { columns: ["overrideId", "identifier", "limit", "duration"] },
      },
      {
        action: "delete-namespace",
        summary: "Delete a rate-limit namespace (our extension)",
        description:
          "Deletes a namespace: limit checks against it fail from then on, its overrides are gone, and its name " +
          "stays reserved. Needs ratelimit.*.delete_namespace.",
        flags: [str("namespace", "the namespace's name or id (rlns_...)", required)],
        examples: ["unkey api ratelimit delete-namespace --namespace api.requests"],
      },
    ],
  },
  {
    name: "root-keys",
    description: "Create, list and revoke root keys of your workspace (our extension)",
    operations: [
      {
        action: "create-root-key",
        summary: "Create a root key",
        description:
          "Creates a root key holding exactly the given permissions and prints it (shown only once). A root key " +
          "can only hand out permissions it holds itself. Needs workspace.*.create_root_key.",
        flags: [
          str("name", "what the key is for", required),
          list("permissions", "permissions of the new key, e.g. api.*.create_key,api.*.verify_key", required),
          int("expires", "when the key stops working, Unix time in ms"),
        ],
        examples: ["unkey api root-keys create-root-key --name ci --permissions api.*.create_key,api.*.verify_key"],
      },
      {
        action: "list-root-keys",
        summary: "List root keys",
        description: "Lists the root keys of your workspace (never their secrets). Needs workspace.*.read_root_key.",
        flags: [limitFlag, cursorFlag],
        examples: ["unkey api root-keys list-root-keys --output table"],
        table: { columns: ["keyId", "start", "name", "fullAccess", "permissions", "enabled", "expires", "createdAt"] },
      },
      {
        action: "whoami",
        summary: "Show which root key you are using",
        description:
          "Prints the id of the root key in use, its workspace (id and name) and its permissions; any valid root " +
          "key may ask. `unkey auth login` uses it to check a key before storing it.",
        flags: [],
        examples: ["unkey api root-keys whoami", 'unkey api root-keys whoami --root-key "$ROOT_KEY" --output table'],
      },
      {
        action: "delete-root-key",
        summary: "Revoke a root key",
        description: "Revokes a root key at once. Needs workspace.*.delete_root_key.",
        flags: [str("key-id", "the root key's id", required)],
        examples: ["unkey api root-keys delete-root-key --key-id key_1234567890"],
      },
    ],
  },
  {
    name: "webhooks",
    description: "Lifecycle webhooks: endpoints, signing secrets and deliveries (our extension, docs/webhooks.md)",
    operations: [
      {
        action: "create-endpoint",
        summary: "Register a webhook endpoint",
        description:
          "Registers an https URL that receives the chosen events, signed the Standard Webhooks way, and prints " +
          "its id and signing secret (whsec_..., shown only once). Needs webhook.*.create_endpoint.",
        flags: [
          str("url", "where events are POSTed; https (http only to loopback under ALLOW_LOCAL_DESTINATIONS=1)", required),
          list("events", "event types, e.g. key.created,key.credits_low,ratelimit.exceeded", required),
          list("api-ids", "only key events of keys of these APIs"),
          str("description", "what the endpoint is for"),
          bool("enabled", "false registers it disabled"),
          int("expiring-lead-days", "send key.expiring this many days before expiry (default 7)"),
          obj("credits-low-threshold-json", 'when key.credits_low fires: {"absolute":100} or {"percent":10} (default 10%)'),
        ],
        examples: [
          "unkey api webhooks create-endpoint --url https://billing.example.com/hooks --events key.credits_low,key.credits_exhausted",
          "unkey api webhooks create-endpoint --url https://ops.example.com/hooks --events key.expiring --expiring-lead-days 14 --api-ids api_123",
        ],
      },
      {
        action: "get-endpoint",
        summary: "Show a webhook endpoint",
        description: "Prints one endpoint (never its secret). Needs webhook.*.read_endpoint.",
        flags: [str("endpoint-id", "the endpoint's id (whe_...)", required)],
        examples: ["unkey api webhooks get-endpoint --endpoint-id whe_123"],
      },
      {
        action: "list-endpoints",
        summary: "List webhook endpoints",
        description: "Lists the workspace's webhook endpoints. Needs webhook.*.read_endpoint.",
        flags: [limitFlag, cursorFlag],
        examples: ["unkey api webhooks list-endpoints --output table"],
        table: { columns: ["endpointId", "url", "events", "enabled", "disabledReason", "createdAt"] },
      },
      {
        action: "update-endpoint",
        summary: "Change a webhook endpoint",
        description: "Changes the given fields only; --enabled re-enables an endpoint disabled after 5 days of failures. " + "Needs webhook.*.update_endpoint.",
        flags: [
          str("endpoint-id", "the endpoint's id (whe_...)", required),
          str("url", "a new URL"),
          list("events", "the new list of event types"),
          list("api-ids", "only key events of these APIs"),
          str("description", "a new description"),
          bool("enabled", "false pauses deliveries (they fail and stay retryable)"),
          int("expiring-lead-days", "days before expiry to send key.expiring"),
          obj("credits-low-threshold-json", '{"absolute":100} or {"percent":10}'),
        ],
        examples: ["unkey api webhooks update-endpoint --endpoint-id whe_123 --enabled"],
      },
      {
        action: "delete-endpoint",
        summary: "Delete a webhook endpoint",
        description: "Deletes the endpoint; its pending deliveries stop. Needs webhook.*.delete_endpoint.",
        flags: [str("endpoint-id", "the endpoint's id (whe_...)", required)],
        examples: ["unkey api webhooks delete-endpoint --endpoint-id whe_123"],
      },
      {
        action: "rotate-secret",
        summary: "Rotate the signing secret",
        description: "Prints a new signing secret (shown only once); the old one keeps signing alongside it for 24 h. " + "Needs webhook.*.update_endpoint.",
        flags: [str("endpoint-id", "the endpoint's id (whe_...)", required)],
        examples: ["unkey api webhooks rotate-secret --endpoint-id whe_123"],
      },
      {
        action: "send-test",
        summary: "Send a webhook.test event",
        description: "Queues a webhook.test event to the endpoint and prints its delivery id. Needs webhook.*.update_endpoint.",
        flags: [str("endpoint-id", "the endpoint's id (whe_...)", required)],
        examples: ["unkey api webhooks send-test --endpoint-id whe_123"],
      },
      {
        action: "list-deliveries",
        summary: "List an endpoint's deliveries",
        description:
          "Lists the endpoint's deliveries of the last 30 days, newest first: status, attempts, last response " +
          "code, latency and next retry. Needs webhook.*.read_endpoint.",
        flags: [
          str("endpoint-id", "the endpoint's id (whe_...)", required),
          str("status", "only pending, succeeded, failed, paused or cancelled ones"),
          limitFlag,
          cursorFlag,
        ],
        examples: ["unkey api webhooks list-deliveries --endpoint-id whe_123 --status failed --output table"],
        table: { columns: ["deliveryId", "eventType", "status", "attempts", "responseCode", "latencyMs", "nextRetryAt", "createdAt"] },
      },
      {
        action: "retry-delivery",
        summary: "Re-send a delivery",
        description: "Queues a delivery again with the same webhook-id. Needs webhook.*.update_endpoint.",
        flags: [str("delivery-id", "the delivery's id (msg_...), also its webhook-id header", required)],
        examples: ["unkey api webhooks retry-delivery --delivery-id msg_123"],
      },
    ],
  },
  {
    name: "workspaces",
    description: "Create and configure workspaces with the operator's admin key (our extension)",
    auth: "admin",
    operations: [
      {
        action: "create-workspace",
        summary: "Create a workspace",
        description:
          "Creates a workspace and prints its id with a first root key that has full access to it. " +
          "Authenticates with the server's ADMIN_KEY, not a root key.",
        flags: [str("name", "the workspace's name", required)],
        examples: [
          "UNKEY_ADMIN_KEY=... unkey api workspaces create-workspace --name acme",
          'unkey api workspaces create-workspace --admin-key "$ADMIN_KEY" --name acme --output json',
        ],
      },
      {
        action: "update-workspace",
        summary: "Change a workspace's settings",
        description:
          "Renames, disables or re-enables a workspace and sets its API request limit and retention times. " +
          "Flags left out keep their value. Authenticates with the server's ADMIN_KEY.",
        flags: [
          str("workspace-id", "the workspace's id (ws_...)", required),
          str("name", "a new name"),
          bool("enabled", "false makes every root key of the workspace fail"),
          int("api-rate-limit-per-minute", "API requests the workspace may make per minute; null = unlimited, 0 = none", { nullable: true }),
          bool("analytics-enabled", "whether analytics queries are allowed"),
          int("analytics-retention-days", "how long verification events are kept, in days"),
          int("audit-retention-days", "how long audit events are kept, in days"),
          bool("disable-leaked-keys", "disable keys that secret scanning reports as leaked"),
        ],
        examples: [
          "unkey api workspaces update-workspace --workspace-id ws_1234567890 --enabled=false",
          "unkey api workspaces update-workspace --workspace-id ws_1234567890 --api-rate-limit-per-minute 6000",
        ],
      },
    ],
  },
];

/** `update-credits` → `updateCredits`, `root-keys` → `rootKeys`. */
export function camel(s) {
  return s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

export function operationId(group, op) {
  return op.operationId ?? `${camel(group.name)}.${camel(op.action)}`;
}
