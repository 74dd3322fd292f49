CREATE TABLE `deploy_bundles` (
	`workspace_id` text NOT NULL,
	`sha256` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`gzip_bytes` integer NOT NULL,
	`main_module` text NOT NULL,
	`compatibility_date` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deploy_bundles_ws_sha_idx` ON `deploy_bundles` (`workspace_id`,`sha256`);--> statement-breakpoint
CREATE TABLE `runtime_logs_v1` (
	`log_id` text PRIMARY KEY NOT NULL,
	`time` integer NOT NULL,
	`inserted_at` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`severity` text NOT NULL,
	`message` text NOT NULL,
	`project_id` text NOT NULL,
	`app_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`deployment_id` text NOT NULL,
	`region` text DEFAULT '' NOT NULL,
	`attributes_text` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runtime_logs_v1_ws_time_idx` ON `runtime_logs_v1` (`workspace_id`,`time`);--> statement-breakpoint
ALTER TABLE `deployments` ADD `error_step` text;--> statement-breakpoint
ALTER TABLE `gateway_requests_v1` ADD `cpu_time` integer;