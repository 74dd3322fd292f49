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
ALTER TABLE `gateway_requests_v1` ADD `cpu_time` integer;