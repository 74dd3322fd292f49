CREATE TABLE `root_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`hash` text NOT NULL,
	`start` text NOT NULL,
	`name` text,
	`permissions` text NOT NULL,
	`full_access` integer DEFAULT false NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`expires` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `root_keys_hash_unique` ON `root_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `root_keys_workspace_idx` ON `root_keys` (`workspace_id`,`id`);--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`api_rate_limit_per_minute` integer,
	`analytics_enabled` integer DEFAULT true NOT NULL,
	`analytics_retention_days` integer DEFAULT 30 NOT NULL,
	`audit_retention_days` integer DEFAULT 90 NOT NULL,
	`disable_leaked_keys` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE TABLE `apis` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`keyspace_id` text NOT NULL,
	`name` text NOT NULL,
	`delete_protection` integer DEFAULT false NOT NULL,
	`ip_whitelist` text,
	`secret_scanning` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`keyspace_id`) REFERENCES `keyspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `apis_workspace_idx` ON `apis` (`workspace_id`);--> statement-breakpoint
CREATE INDEX `apis_keyspace_idx` ON `apis` (`keyspace_id`);--> statement-breakpoint
CREATE TABLE `keyspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`store_encrypted_keys` integer DEFAULT false NOT NULL,
	`default_prefix` text,
	`default_bytes` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `data_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`wrapped` text NOT NULL,
	`kek_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `data_keys_workspace_idx` ON `data_keys` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `encrypted_keys` (
	`key_id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`encrypted` text NOT NULL,
	`encryption_key_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `key_migrations` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`api_id` text NOT NULL,
	`algorithm` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `keys` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`keyspace_id` text NOT NULL,
	`hash` text NOT NULL,
	`start` text NOT NULL,
	`name` text,
	`meta` text,
	`identity_id` text,
	`expires` integer,
	`enabled` integer DEFAULT true NOT NULL,
	`remaining` integer,
	`refill_interval` text,
	`refill_amount` integer,
	`refill_day` integer,
	`last_refill_at` integer,
	`credits_version` integer DEFAULT 0 NOT NULL,
	`pending_migration_id` text,
	`last_used_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`keyspace_id`) REFERENCES `keyspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`identity_id`) REFERENCES `identities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `keys_hash_unique` ON `keys` (`hash`);--> statement-breakpoint
CREATE INDEX `keys_keyspace_idx` ON `keys` (`keyspace_id`,`id`);--> statement-breakpoint
CREATE INDEX `keys_identity_idx` ON `keys` (`identity_id`);--> statement-breakpoint
CREATE INDEX `keys_workspace_idx` ON `keys` (`workspace_id`);--> statement-breakpoint
CREATE TABLE `keys_permissions` (
	`key_id` text NOT NULL,
	`permission_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`key_id`, `permission_id`)
);
--> statement-breakpoint
CREATE INDEX `keys_permissions_perm_idx` ON `keys_permissions` (`permission_id`);--> statement-breakpoint
CREATE TABLE `keys_roles` (
	`key_id` text NOT NULL,
	`role_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`key_id`, `role_id`)
);
--> statement-breakpoint
CREATE INDEX `keys_roles_role_idx` ON `keys_roles` (`role_id`);--> statement-breakpoint
CREATE TABLE `identities` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`external_id` text NOT NULL,
	`meta` text,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_external_id_live_idx` ON `identities` (`workspace_id`,`external_id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `identities_workspace_idx` ON `identities` (`workspace_id`,`id`);--> statement-breakpoint
CREATE TABLE `permissions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`description` text,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `permissions_slug_idx` ON `permissions` (`workspace_id`,`slug`);--> statement-breakpoint
CREATE TABLE `roles` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roles_name_idx` ON `roles` (`workspace_id`,`name`);--> statement-breakpoint
CREATE TABLE `roles_permissions` (
	`role_id` text NOT NULL,
	`permission_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`role_id`, `permission_id`)
);
--> statement-breakpoint
CREATE INDEX `roles_permissions_perm_idx` ON `roles_permissions` (`permission_id`);--> statement-breakpoint
CREATE TABLE `ratelimit_namespaces` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimit_namespaces_name_idx` ON `ratelimit_namespaces` (`workspace_id`,`name`);--> statement-breakpoint
CREATE TABLE `ratelimit_overrides` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`namespace_id` text NOT NULL,
	`identifier` text NOT NULL,
	`limit` integer NOT NULL,
	`duration` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimit_overrides_identifier_idx` ON `ratelimit_overrides` (`namespace_id`,`identifier`);--> statement-breakpoint
CREATE INDEX `ratelimit_overrides_ns_idx` ON `ratelimit_overrides` (`namespace_id`,`id`);--> statement-breakpoint
CREATE TABLE `ratelimits` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`key_id` text,
	`identity_id` text,
	`name` text NOT NULL,
	`limit` integer NOT NULL,
	`duration` integer NOT NULL,
	`auto_apply` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimits_key_name_idx` ON `ratelimits` (`key_id`,`name`) WHERE key_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimits_identity_name_idx` ON `ratelimits` (`identity_id`,`name`) WHERE identity_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `audit_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`bucket` text DEFAULT 'unkey_mutations' NOT NULL,
	`source` text DEFAULT 'platform' NOT NULL,
	`event` text NOT NULL,
	`time` integer NOT NULL,
	`description` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`actor_name` text,
	`actor_meta` text,
	`remote_ip` text,
	`user_agent` text,
	`meta` text,
	`targets` text NOT NULL,
	`correlation_id` text
);
--> statement-breakpoint
CREATE INDEX `audit_logs_workspace_time_idx` ON `audit_logs` (`workspace_id`,`bucket`,`time`);--> statement-breakpoint
CREATE INDEX `audit_logs_event_idx` ON `audit_logs` (`workspace_id`,`event`,`time`);--> statement-breakpoint
CREATE TABLE `portal_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`portal_id` text NOT NULL,
	`external_id` text NOT NULL,
	`scopes` text NOT NULL,
	`preview` integer DEFAULT false NOT NULL,
	`exchange_code_hash` text NOT NULL,
	`exchange_code_expires_at` integer NOT NULL,
	`access_token_hash` text,
	`access_token_created_at` integer,
	`access_token_expires_at` integer,
	`revoked_at` integer,
	`return_url` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `portal_sessions_exchange_code_hash_unique` ON `portal_sessions` (`exchange_code_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `portal_sessions_access_token_hash_unique` ON `portal_sessions` (`access_token_hash`);--> statement-breakpoint
CREATE INDEX `portal_sessions_portal_idx` ON `portal_sessions` (`portal_id`);--> statement-breakpoint
CREATE TABLE `portals` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`slug` text NOT NULL,
	`api_id` text NOT NULL,
	`keyspace_id` text NOT NULL,
	`name` text,
	`logo_url` text,
	`primary_color` text DEFAULT '#2563eb' NOT NULL,
	`docs_markdown` text,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `portals_slug_idx` ON `portals` (`workspace_id`,`slug`);--> statement-breakpoint
CREATE INDEX `portals_workspace_idx` ON `portals` (`workspace_id`,`id`);--> statement-breakpoint
CREATE TABLE `custom_domains` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`project_id` text NOT NULL,
	`app_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`domain` text NOT NULL,
	`status` text NOT NULL,
	`verification_error` text,
	`verification_token` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `custom_domains_domain_idx` ON `custom_domains` (`domain`);--> statement-breakpoint
CREATE INDEX `custom_domains_env_idx` ON `custom_domains` (`environment_id`,`id`);--> statement-breakpoint
CREATE TABLE `deploy_apps` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`git_repository` text,
	`git_default_branch` text,
	`current_deployment_id` text,
	`is_rolled_back` integer DEFAULT false NOT NULL,
	`delete_protection` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `deploy_apps_project_idx` ON `deploy_apps` (`project_id`,`slug`);--> statement-breakpoint
CREATE TABLE `deployments` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`project_id` text NOT NULL,
	`app_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`status` text NOT NULL,
	`upstream` text NOT NULL,
	`policies` text NOT NULL,
	`openapi_spec` text,
	`variables` text NOT NULL,
	`runtime` text NOT NULL,
	`docker_image` text,
	`git_commit_sha` text,
	`git_branch` text,
	`git_commit_message` text,
	`trigger` text NOT NULL,
	`error_message` text,
	`keyspace_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `deployments_workspace_idx` ON `deployments` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `deployments_environment_idx` ON `deployments` (`environment_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `environment_variables` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`encrypted` text NOT NULL,
	`description` text,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `environment_variables_key_idx` ON `environment_variables` (`environment_id`,`key`);--> statement-breakpoint
CREATE TABLE `environments` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`project_id` text NOT NULL,
	`app_id` text NOT NULL,
	`slug` text NOT NULL,
	`kind` text NOT NULL,
	`delete_protection` integer DEFAULT false NOT NULL,
	`settings` text NOT NULL,
	`policies` text NOT NULL,
	`openapi_spec` text,
	`current_deployment_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`app_id`) REFERENCES `deploy_apps`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `environments_app_slug_idx` ON `environments` (`app_id`,`slug`);--> statement-breakpoint
CREATE TABLE `gateway_requests_v1` (
	`request_id` text PRIMARY KEY NOT NULL,
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`project_id` text NOT NULL,
	`app_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`deployment_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`region` text NOT NULL,
	`method` text NOT NULL,
	`host` text NOT NULL,
	`path` text NOT NULL,
	`query_string` text DEFAULT '' NOT NULL,
	`query_params` text DEFAULT '{}' NOT NULL,
	`request_headers` text DEFAULT '[]' NOT NULL,
	`request_body` text DEFAULT '' NOT NULL,
	`response_status` integer NOT NULL,
	`response_headers` text DEFAULT '[]' NOT NULL,
	`response_body` text DEFAULT '' NOT NULL,
	`user_agent` text DEFAULT '' NOT NULL,
	`ip_address` text DEFAULT '' NOT NULL,
	`total_latency` integer NOT NULL,
	`instance_latency` integer NOT NULL,
	`gateway_latency` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `gateway_requests_v1_workspace_time_idx` ON `gateway_requests_v1` (`workspace_id`,`time`);--> statement-breakpoint
CREATE TABLE `gateway_routes` (
	`hostname` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`project_id` text NOT NULL,
	`app_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`deployment_id` text,
	`kind` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `gateway_routes_app_idx` ON `gateway_routes` (`app_id`);--> statement-breakpoint
CREATE INDEX `gateway_routes_env_idx` ON `gateway_routes` (`environment_id`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`delete_protection` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `projects_workspace_idx` ON `projects` (`workspace_id`,`slug`);--> statement-breakpoint
CREATE TABLE `analytics_query_quota` (
	`workspace_id` text NOT NULL,
	`window_start` integer NOT NULL,
	`queries` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `analytics_query_quota_ws_window_idx` ON `analytics_query_quota` (`workspace_id`,`window_start`);--> statement-breakpoint
CREATE TABLE `key_verifications_per_day_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`key_space_id` text NOT NULL,
	`identity_id` text NOT NULL,
	`external_id` text NOT NULL,
	`key_id` text NOT NULL,
	`outcome` text NOT NULL,
	`source` text NOT NULL,
	`app_id` text NOT NULL,
	`tags` text NOT NULL,
	`count` integer NOT NULL,
	`spent_credits` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `key_verifications_per_day_v1_dims_idx` ON `key_verifications_per_day_v1` (`workspace_id`,`time`,`key_space_id`,`identity_id`,`external_id`,`key_id`,`outcome`,`source`,`app_id`,`tags`);--> statement-breakpoint
CREATE TABLE `key_verifications_per_hour_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`key_space_id` text NOT NULL,
	`identity_id` text NOT NULL,
	`external_id` text NOT NULL,
	`key_id` text NOT NULL,
	`outcome` text NOT NULL,
	`source` text NOT NULL,
	`app_id` text NOT NULL,
	`tags` text NOT NULL,
	`count` integer NOT NULL,
	`spent_credits` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `key_verifications_per_hour_v1_dims_idx` ON `key_verifications_per_hour_v1` (`workspace_id`,`time`,`key_space_id`,`identity_id`,`external_id`,`key_id`,`outcome`,`source`,`app_id`,`tags`);--> statement-breakpoint
CREATE TABLE `key_verifications_per_minute_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`key_space_id` text NOT NULL,
	`identity_id` text NOT NULL,
	`external_id` text NOT NULL,
	`key_id` text NOT NULL,
	`outcome` text NOT NULL,
	`source` text NOT NULL,
	`app_id` text NOT NULL,
	`tags` text NOT NULL,
	`count` integer NOT NULL,
	`spent_credits` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `key_verifications_per_minute_v1_dims_idx` ON `key_verifications_per_minute_v1` (`workspace_id`,`time`,`key_space_id`,`identity_id`,`external_id`,`key_id`,`outcome`,`source`,`app_id`,`tags`);--> statement-breakpoint
CREATE TABLE `key_verifications_per_month_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`key_space_id` text NOT NULL,
	`identity_id` text NOT NULL,
	`external_id` text NOT NULL,
	`key_id` text NOT NULL,
	`outcome` text NOT NULL,
	`source` text NOT NULL,
	`app_id` text NOT NULL,
	`tags` text NOT NULL,
	`count` integer NOT NULL,
	`spent_credits` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `key_verifications_per_month_v1_dims_idx` ON `key_verifications_per_month_v1` (`workspace_id`,`time`,`key_space_id`,`identity_id`,`external_id`,`key_id`,`outcome`,`source`,`app_id`,`tags`);--> statement-breakpoint
CREATE TABLE `key_verifications_v1` (
	`event_id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`request_id` text NOT NULL,
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`key_space_id` text NOT NULL,
	`identity_id` text DEFAULT '' NOT NULL,
	`external_id` text DEFAULT '' NOT NULL,
	`key_id` text NOT NULL,
	`region` text DEFAULT '' NOT NULL,
	`source` text DEFAULT 'api' NOT NULL,
	`app_id` text DEFAULT '' NOT NULL,
	`outcome` text NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`spent_credits` integer DEFAULT 0 NOT NULL,
	`latency` real DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `key_verifications_v1_ws_time_idx` ON `key_verifications_v1` (`workspace_id`,`time`);--> statement-breakpoint
CREATE INDEX `key_verifications_v1_batch_idx` ON `key_verifications_v1` (`batch_id`);--> statement-breakpoint
CREATE TABLE `ratelimits_per_day_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`namespace_id` text NOT NULL,
	`identifier` text NOT NULL,
	`passed` integer NOT NULL,
	`total` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimits_per_day_v1_dims_idx` ON `ratelimits_per_day_v1` (`workspace_id`,`time`,`namespace_id`,`identifier`);--> statement-breakpoint
CREATE TABLE `ratelimits_per_hour_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`namespace_id` text NOT NULL,
	`identifier` text NOT NULL,
	`passed` integer NOT NULL,
	`total` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimits_per_hour_v1_dims_idx` ON `ratelimits_per_hour_v1` (`workspace_id`,`time`,`namespace_id`,`identifier`);--> statement-breakpoint
CREATE TABLE `ratelimits_per_minute_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`namespace_id` text NOT NULL,
	`identifier` text NOT NULL,
	`passed` integer NOT NULL,
	`total` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimits_per_minute_v1_dims_idx` ON `ratelimits_per_minute_v1` (`workspace_id`,`time`,`namespace_id`,`identifier`);--> statement-breakpoint
CREATE TABLE `ratelimits_per_month_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`namespace_id` text NOT NULL,
	`identifier` text NOT NULL,
	`passed` integer NOT NULL,
	`total` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimits_per_month_v1_dims_idx` ON `ratelimits_per_month_v1` (`workspace_id`,`time`,`namespace_id`,`identifier`);--> statement-breakpoint
CREATE TABLE `ratelimits_v1` (
	`event_id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`request_id` text NOT NULL,
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`namespace_id` text NOT NULL,
	`identifier` text NOT NULL,
	`passed` integer NOT NULL,
	`cost` integer DEFAULT 1 NOT NULL,
	`max_requests` integer DEFAULT 0 NOT NULL,
	`duration` integer DEFAULT 0 NOT NULL,
	`remaining` integer DEFAULT 0 NOT NULL,
	`reset_at` integer DEFAULT 0 NOT NULL,
	`override_id` text DEFAULT '' NOT NULL,
	`latency` real DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ratelimits_v1_ws_time_idx` ON `ratelimits_v1` (`workspace_id`,`time`);--> statement-breakpoint
CREATE INDEX `ratelimits_v1_batch_idx` ON `ratelimits_v1` (`batch_id`);