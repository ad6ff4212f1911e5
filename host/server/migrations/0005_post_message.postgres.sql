-- Posting a message in one round trip on PostgreSQL. The same statements as
-- before, in the same order and each with a snapshot of its own (a volatile
-- PL/pgSQL function in READ COMMITTED), so concurrent posts to one thread still
-- queue on the thread's row and each reads the seq the other committed. Sent
-- one at a time inside BEGIN and COMMIT they took six round trips, and during a
-- purge, on two cores, ingest spent about half its time in the database
-- waiting for the server's next statement (`ClientRead`, sampled from
-- `pg_stat_activity`; BENCHMARKS.md, fourteenth session). Returns false, having
-- written nothing, when the thread exists on another channel.
CREATE FUNCTION exthost_post_message(
    p_tenant TEXT, p_id TEXT, p_thread_id TEXT, p_channel_id TEXT,
    p_identity_id TEXT, p_user_id TEXT, p_body TEXT, p_created_at BIGINT,
    p_moderation TEXT, p_annotations TEXT
) RETURNS BOOLEAN LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO thread (tenant, id, channel_id, created_at, last_activity_at)
        VALUES (p_tenant, p_thread_id, p_channel_id, p_created_at, p_created_at)
        ON CONFLICT (tenant, id) DO NOTHING;
    UPDATE thread SET last_activity_at = GREATEST(last_activity_at, p_created_at)
        WHERE tenant = p_tenant AND id = p_thread_id AND channel_id = p_channel_id;
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    IF p_identity_id IS NOT NULL THEN
        INSERT INTO identity_thread (tenant, identity_id, thread_id)
            VALUES (p_tenant, p_identity_id, p_thread_id) ON CONFLICT DO NOTHING;
    END IF;
    -- The thread's row was just updated, so concurrent posts to one thread are
    -- serialised there and this read sees the seq the one before committed.
    INSERT INTO message (tenant, id, thread_id, channel_id, author_identity_id,
                         author_user_id, body, created_at, moderation, annotations, seq)
        VALUES (p_tenant, p_id, p_thread_id, p_channel_id, p_identity_id, p_user_id,
                p_body, p_created_at, p_moderation, p_annotations,
                (SELECT COALESCE(MAX(seq), 0) + 1 FROM message
                 WHERE tenant = p_tenant AND thread_id = p_thread_id));
    RETURN TRUE;
END
$$;
