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
ALTER TABLE `deployments` ADD `error_step` text;