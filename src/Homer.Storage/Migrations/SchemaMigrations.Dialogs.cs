namespace Homer.Storage.Migrations;

public static partial class SchemaMigrations
{
    static partial void AddDialogs(List<Migration> migrations)
    {
        migrations.Add(new(100, "dialogs table: one row per call, registration or other request", """
            CREATE TABLE dialogs (
                call_id           text        PRIMARY KEY,
                kind              text        NOT NULL,
                state             text        NOT NULL,
                from_user         text,
                to_user           text,
                ruri_user         text,
                caller_ip         inet,
                callee_ip         inet,
                started_at        timestamptz NOT NULL,
                answered_at       timestamptz,
                ended_at          timestamptz,
                expires_at        timestamptz,
                last_seen         timestamptz NOT NULL,
                pdd_ms            bigint,
                setup_ms          bigint,
                duration_ms       bigint,
                final_status      integer,
                final_reason      text,
                q850_cause        integer,
                hangup_by         text,
                ended_by_timeout  boolean     NOT NULL DEFAULT false,
                message_count     bigint      NOT NULL,
                retransmissions   bigint      NOT NULL DEFAULT 0,
                mos_min           double precision,
                mos_avg           double precision,
                correlation_group text,
                node              text,
                updated_at        timestamptz NOT NULL DEFAULT now()
            );

            -- Call search lists by time, by party and by state; legs are found through their group.
            CREATE INDEX dialogs_started_at ON dialogs (started_at);
            CREATE INDEX dialogs_from_user_started_at ON dialogs (from_user, started_at);
            CREATE INDEX dialogs_to_user_started_at ON dialogs (to_user, started_at);
            CREATE INDEX dialogs_kind_state_started_at ON dialogs (kind, state, started_at);
            CREATE INDEX dialogs_correlation_group ON dialogs (correlation_group) WHERE correlation_group IS NOT NULL;
            """));

        // The dialog search: byte-order collation on the users so `alice*` is an index range (as on the message
        // tables), the keyset order (started_at, call_id) as one index, and the party addresses for ip/CIDR filters
        // (a btree on inet answers <<= as a range).
        migrations.Add(new(101, "dialog search: C collation on users, keyset and address indexes", """
            ALTER TABLE dialogs
                ALTER COLUMN from_user TYPE text COLLATE "C",
                ALTER COLUMN to_user TYPE text COLLATE "C",
                ALTER COLUMN ruri_user TYPE text COLLATE "C";
            CREATE INDEX dialogs_started_at_call_id ON dialogs (started_at, call_id);
            DROP INDEX dialogs_started_at;
            CREATE INDEX dialogs_ruri_user_started_at ON dialogs (ruri_user, started_at);
            CREATE INDEX dialogs_caller_ip ON dialogs (caller_ip);
            CREATE INDEX dialogs_callee_ip ON dialogs (callee_ip);
            """));

        // A dialog's row is rewritten at each state change (about three times per call). With `state` in an index
        // every rewrite inserts into all nine indexes; without it, and with room left on each page, the rewrites are
        // heap-only (HOT) updates that touch no index. Searches by state always come with a time range, which the
        // (kind, started_at) index still answers.
        migrations.Add(new(102, "dialogs: state out of the indexes and fill factor 80, so state changes are HOT updates", """
            DROP INDEX dialogs_kind_state_started_at;
            CREATE INDEX dialogs_kind_started_at ON dialogs (kind, started_at);
            ALTER TABLE dialogs SET (fillfactor = 80);
            """));

        // Whether the write that produced a row version is the one that counts the call's KPIs (its MOS). The upsert
        // decides it against the locked current row and returns it, so counting needs no second UPDATE of the same
        // rows (which was a fifth of PostgreSQL's time at 12 000 messages/s). Only the newest version's flags mean
        // anything; unindexed, so setting them keeps updates heap-only.
        migrations.Add(new(103, "dialogs: counted_now and mos_counted_now, set by the upsert that counts the call", """
            ALTER TABLE dialogs
                ADD COLUMN counted_now     boolean NOT NULL DEFAULT false,
                ADD COLUMN mos_counted_now boolean NOT NULL DEFAULT false;
            """));

        // The ledgers' journal rows carry many dialog checkpoints each (kilobytes), so PostgreSQL compresses them as it
        // stores them, with pglz by default: 4 % of PostgreSQL's CPU at 17 500 messages/s, all of it in journal inserts
        // (message payloads are mostly below the 2 KB where compression starts). The journal and snapshot tables belong
        // to Akka.Persistence.Sql, which creates them after these migrations on a first start, so the default for this
        // role's sessions in this database becomes lz4 (a role may set its own defaults), and tables that already
        // exist are switched as well. Rows already stored keep pglz; a server without lz4 keeps pglz and says so.
        migrations.Add(new(104, "lz4 compression for the dialog journal and snapshots", """
            DO $$
            DECLARE t record;
            BEGIN
                EXECUTE format('ALTER ROLE %I IN DATABASE %I SET default_toast_compression = lz4', current_user, current_database());
                FOR t IN
                    SELECT a.attrelid::regclass AS tab, a.attname AS col FROM pg_attribute a
                    WHERE (a.attrelid, a.attname) IN ((to_regclass('journal'), 'message'), (to_regclass('snapshot'), 'snapshot'))
                LOOP
                    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET COMPRESSION lz4', t.tab, t.col);
                END LOOP;
            EXCEPTION
                WHEN feature_not_supported OR invalid_parameter_value THEN
                    RAISE NOTICE 'this PostgreSQL has no lz4: the dialog journal stays compressed with pglz';
                WHEN insufficient_privilege THEN
                    RAISE NOTICE 'not allowed to set this role''s default compression: the dialog journal stays compressed with pglz';
            END $$;
            """));

        // One packet with a 10 KB Call-ID or From user made PostgreSQL refuse every dialog batch it was in (54000: a
        // btree entry must fit 2 704 bytes), and the writer retried it forever. The primary key on call_id becomes a
        // unique index on its first 256 characters plus a SHA-256 of longer ones (IndexedText.DialogKey, which the
        // upsert names in ON CONFLICT); the users and the correlation group are indexed by their first 256
        // characters, and the keyset index by (started_at, the Call-ID's prefix). Rows keep the full values.
        migrations.Add(new(105, "dialogs: bounded indexes (Call-ID prefix and hash as the unique key, user and group prefixes)", """
            ALTER TABLE dialogs DROP CONSTRAINT dialogs_pkey;
            ALTER TABLE dialogs ALTER COLUMN call_id SET NOT NULL;
            CREATE UNIQUE INDEX dialogs_call_id ON dialogs ((left(call_id, 256)), (CASE WHEN length(call_id) > 256 THEN sha256(decode(replace(call_id, '\', '\\'), 'escape')) ELSE ''::bytea END));
            DROP INDEX dialogs_started_at_call_id;
            CREATE INDEX dialogs_started_at_call_id ON dialogs (started_at, left(call_id, 256));
            DROP INDEX dialogs_from_user_started_at;
            CREATE INDEX dialogs_from_user_started_at ON dialogs (left(from_user, 256), started_at);
            DROP INDEX dialogs_to_user_started_at;
            CREATE INDEX dialogs_to_user_started_at ON dialogs (left(to_user, 256), started_at);
            DROP INDEX dialogs_ruri_user_started_at;
            CREATE INDEX dialogs_ruri_user_started_at ON dialogs (left(ruri_user, 256), started_at);
            DROP INDEX dialogs_correlation_group;
            CREATE INDEX dialogs_correlation_group ON dialogs (left(correlation_group, 256)) WHERE correlation_group IS NOT NULL;
            """));
    }
}
