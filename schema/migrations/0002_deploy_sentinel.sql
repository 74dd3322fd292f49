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
CREATE TABLE `gateway_requests` (
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
	`query_string` text,
	`query_params` text,
	`request_headers` text,
	`request_body` text,
	`response_status` integer NOT NULL,
	`response_headers` text,
	`response_body` text,
	`user_agent` text,
	`ip_address` text,
	`total_latency` integer NOT NULL,
	`instance_latency` integer NOT NULL,
	`gateway_latency` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `gateway_requests_workspace_time_idx` ON `gateway_requests` (`workspace_id`,`time`);--> statement-breakpoint
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
CREATE INDEX `projects_workspace_idx` ON `projects` (`workspace_id`,`slug`);