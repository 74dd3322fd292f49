CREATE TABLE `analytics_query_quota` (
	`workspace_id` text NOT NULL,
	`window_start` integer NOT NULL,
	`queries` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `analytics_query_quota_ws_window_idx` ON `analytics_query_quota` (`workspace_id`,`window_start`);--> statement-breakpoint
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
	`total` integer NOT NULL,
	`total_tokens` integer DEFAULT 0 NOT NULL,
	`passed_tokens` integer DEFAULT 0 NOT NULL,
	`latency_sum` real DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimits_per_day_v1_dims_idx` ON `ratelimits_per_day_v1` (`workspace_id`,`time`,`namespace_id`,`identifier`);--> statement-breakpoint
CREATE TABLE `ratelimits_per_hour_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`namespace_id` text NOT NULL,
	`identifier` text NOT NULL,
	`passed` integer NOT NULL,
	`total` integer NOT NULL,
	`total_tokens` integer DEFAULT 0 NOT NULL,
	`passed_tokens` integer DEFAULT 0 NOT NULL,
	`latency_sum` real DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimits_per_hour_v1_dims_idx` ON `ratelimits_per_hour_v1` (`workspace_id`,`time`,`namespace_id`,`identifier`);--> statement-breakpoint
CREATE TABLE `ratelimits_per_minute_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`namespace_id` text NOT NULL,
	`identifier` text NOT NULL,
	`passed` integer NOT NULL,
	`total` integer NOT NULL,
	`total_tokens` integer DEFAULT 0 NOT NULL,
	`passed_tokens` integer DEFAULT 0 NOT NULL,
	`latency_sum` real DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratelimits_per_minute_v1_dims_idx` ON `ratelimits_per_minute_v1` (`workspace_id`,`time`,`namespace_id`,`identifier`);--> statement-breakpoint
CREATE TABLE `ratelimits_per_month_v1` (
	`time` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`namespace_id` text NOT NULL,
	`identifier` text NOT NULL,
	`passed` integer NOT NULL,
	`total` integer NOT NULL,
	`total_tokens` integer DEFAULT 0 NOT NULL,
	`passed_tokens` integer DEFAULT 0 NOT NULL,
	`latency_sum` real DEFAULT 0 NOT NULL
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