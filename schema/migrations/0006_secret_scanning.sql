ALTER TABLE `workspaces` ADD `disable_leaked_keys` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `apis` ADD `secret_scanning` integer DEFAULT false NOT NULL;