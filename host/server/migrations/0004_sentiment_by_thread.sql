-- Sentiment counts find a channel's messages through its threads (a thread's
-- `last_activity_at` is never before any of its messages), so no index keyed by
-- channel and time has to change when a message is written or purged. This one
-- did: its entries lie in time order across every thread of the channel, so a
-- 50-thread purge batch removed entries from pages all over it, a sixth to a quarter
-- of the batch's CPU on SQLite (BENCHMARKS.md, thirteenth session).
DROP INDEX message_by_channel;
