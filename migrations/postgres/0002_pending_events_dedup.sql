-- Additive: at most one unprocessed copy of the same event for the same record, so a burst of identical events
-- (10,000 deal updates from one workflow) queues one re-read each. Processed rows are history and may repeat.
CREATE UNIQUE INDEX pending_events_unprocessed_once
    ON pending_events (portal_id, event, entity, entity_id)
    WHERE processed_at IS NULL;
