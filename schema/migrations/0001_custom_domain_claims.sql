DROP INDEX `custom_domains_domain_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `custom_domains_workspace_domain_idx` ON `custom_domains` (`workspace_id`,`domain`);--> statement-breakpoint
CREATE UNIQUE INDEX `custom_domains_verified_domain_idx` ON `custom_domains` (`domain`) WHERE "custom_domains"."status" = 'verified';--> statement-breakpoint
CREATE INDEX `custom_domains_domain_idx` ON `custom_domains` (`domain`);