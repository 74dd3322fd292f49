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
CREATE INDEX `portals_workspace_idx` ON `portals` (`workspace_id`,`id`);