DROP TABLE `gateway_requests_v1`;--> statement-breakpoint
DROP TABLE `analytics_query_quota`;--> statement-breakpoint
DROP TABLE `key_verifications_per_day_v1`;--> statement-breakpoint
DROP TABLE `key_verifications_per_hour_v1`;--> statement-breakpoint
DROP TABLE `key_verifications_per_minute_v1`;--> statement-breakpoint
DROP TABLE `key_verifications_per_month_v1`;--> statement-breakpoint
DROP TABLE `key_verifications_v1`;--> statement-breakpoint
DROP TABLE `ratelimits_per_day_v1`;--> statement-breakpoint
DROP TABLE `ratelimits_per_hour_v1`;--> statement-breakpoint
DROP TABLE `ratelimits_per_minute_v1`;--> statement-breakpoint
DROP TABLE `ratelimits_per_month_v1`;--> statement-breakpoint
DROP TABLE `ratelimits_v1`;