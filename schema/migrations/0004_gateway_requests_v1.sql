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
CREATE INDEX `gateway_requests_v1_workspace_time_idx` ON `gateway_requests_v1` (`workspace_id`,`time`);