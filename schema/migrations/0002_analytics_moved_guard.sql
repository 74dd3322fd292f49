-- The analytics tables moved to their own database (ANALYTICS_DB); 0003 drops them here.
-- This guard stops the migration run while they still hold rows, so applying migrations
-- before the upgrade step can never lose analytics data: move the rows first with
-- `npm run upgrade:analytics-db` (docs/analytics.md → Upgrading to the analytics database).
CREATE TABLE IF NOT EXISTS `__analytics_upgrade_guard` (
	`moved` integer CONSTRAINT `analytics_rows_still_in_DB_run_npm_run_upgrade_analytics_db_first` CHECK (`moved` = 1)
);
--> statement-breakpoint
INSERT INTO `__analytics_upgrade_guard` SELECT NOT (
	EXISTS (SELECT 1 FROM `key_verifications_v1`) OR EXISTS (SELECT 1 FROM `key_verifications_per_minute_v1`) OR
	EXISTS (SELECT 1 FROM `key_verifications_per_hour_v1`) OR EXISTS (SELECT 1 FROM `key_verifications_per_day_v1`) OR
	EXISTS (SELECT 1 FROM `key_verifications_per_month_v1`) OR EXISTS (SELECT 1 FROM `ratelimits_v1`) OR
	EXISTS (SELECT 1 FROM `ratelimits_per_minute_v1`) OR EXISTS (SELECT 1 FROM `ratelimits_per_hour_v1`) OR
	EXISTS (SELECT 1 FROM `ratelimits_per_day_v1`) OR EXISTS (SELECT 1 FROM `ratelimits_per_month_v1`) OR
	EXISTS (SELECT 1 FROM `gateway_requests_v1`)
);
--> statement-breakpoint
DROP TABLE `__analytics_upgrade_guard`;
