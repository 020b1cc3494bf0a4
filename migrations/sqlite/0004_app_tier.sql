-- The tier of each portal × app (docs/TIERS.md). app_status, payment_expired, days_left and status_checked_at (0001)
-- hold the last answer of the OAuth server's app.info; this adds when PAYMENT_EXPIRED=Y was first seen (the grace
-- period is counted from it when app.info gives no DAYS) and the last failed check (kept apart, so a failure never
-- changes the tier and the daily refresh does not hammer an unreachable server). Same on both backends.
ALTER TABLE portal_apps ADD COLUMN payment_expired_since BIGINT;
ALTER TABLE portal_apps ADD COLUMN tier_check_failed_at BIGINT;
ALTER TABLE portal_apps ADD COLUMN tier_check_error TEXT;
