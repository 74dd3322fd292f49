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
CREATE INDEX `audit_logs_event_idx` ON `audit_logs` (`workspace_id`,`event`,`time`);