-- The reports' persisted cache parts (migration 0011) under names no build reads any more: the one `activities`
-- part was split by use into `activity_log`, `open_cards` and `open_deadlines` (issue #18). Nothing would ever
-- replace those rows, so they are removed here instead of keeping hundreds of megabytes for a large portal.
DELETE FROM report_parts WHERE part = 'activities';
