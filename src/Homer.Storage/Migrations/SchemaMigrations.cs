namespace Homer.Storage.Migrations;

/// <summary>
/// The schema as versioned migrations, one list per area (partial files) so areas evolve independently:
/// message store 1–99, dialogs 100–199, users and API 200–299, statistics and alarms 300–399.
/// Append new steps; never change an applied one.
/// </summary>
public static partial class SchemaMigrations
{
    // Lazy: static field initializers run in text order, and the lists of the partial files are fields too.
    private static readonly Lazy<Migration[]> Collected = new(Collect);

    public static IReadOnlyList<Migration> All => Collected.Value;

    private static Migration[] Collect()
    {
        var all = MessageStore.Concat(Areas()).OrderBy(m => m.Version).ToArray();
        var duplicate = all.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two schema migrations share version {duplicate.Key}");
        return all;
    }

    /// <summary>Migrations of the other areas, added by their partial files.</summary>
    private static IEnumerable<Migration> Areas()
    {
        var found = new List<Migration>();
        AddDialogs(found);
        AddUsersAndApi(found);
        AddStatsAndAlarms(found);
        return found;
    }

    static partial void AddDialogs(List<Migration> migrations);
    static partial void AddUsersAndApi(List<Migration> migrations);
    static partial void AddStatsAndAlarms(List<Migration> migrations);

    private static readonly Migration[] MessageStore =
    [
        new(1, "messages table, partitioned by capture time", """
            CREATE SEQUENCE messages_id_seq AS bigint CACHE 1000;

            CREATE TABLE messages (
                id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
                ts              timestamptz NOT NULL,
                profile         smallint    NOT NULL,
                proto_type      smallint    NOT NULL,
                ip_proto        smallint    NOT NULL,
                src_ip          inet        NOT NULL,
                src_port        integer     NOT NULL,
                dst_ip          inet        NOT NULL,
                dst_port        integer     NOT NULL,
                capture_id      bigint      NOT NULL,
                node            text,
                correlation_id  text,
                call_id         text,
                method          text,
                status          smallint,
                reason          text,
                ruri_user       text,
                from_user       text,
                from_tag        text,
                to_user         text,
                to_tag          text,
                cseq            bigint,
                cseq_method     text,
                user_agent      text,
                parse_error     text,
                payload         bytea       NOT NULL
            ) PARTITION BY RANGE (ts);

            -- Catches timestamps outside every range partition (senders with broken clocks) so no row is refused.
            CREATE TABLE messages_default PARTITION OF messages DEFAULT;

            CREATE INDEX messages_call_id_ts ON messages (call_id, ts);
            CREATE INDEX messages_correlation_id ON messages (correlation_id) WHERE correlation_id IS NOT NULL;
            CREATE INDEX messages_ts ON messages (ts);
            CREATE INDEX messages_from_user_ts ON messages (from_user, ts);
            CREATE INDEX messages_to_user_ts ON messages (to_user, ts);
            """),
        new(2, "one partitioned table per profile, searchable columns and JSONB headers; messages becomes a view",
            string.Join("\n", MessageTables.All.Select(MessageTables.CreateTable)) + "\n" +
            string.Join("\n", MessageTables.ByProfile.Select(p => $"""
                INSERT INTO {p.Value} (id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                    correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                    cseq_method, user_agent, parse_error, payload)
                SELECT id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                    correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                    cseq_method, user_agent, parse_error, payload
                FROM messages WHERE profile = {(short)p.Key};
                """)) + "\n" +
            "DROP TABLE messages;\n" + MessageTables.CreateSearchView() + ";"),
        // Byte-order collation for the pattern-searched columns: only then can PostgreSQL answer `alice%` from the
        // btree index instead of filtering every row of the time range (1 s per prefix query on 10 M rows).
        new(3, "C collation on users, domains and user agent so prefix searches use the indexes",
            $"DROP VIEW {MessageTables.SearchView};\n" +
            string.Join("\n", MessageTables.All.Select(t => $"ALTER TABLE {t} " + string.Join(", ",
                MessageTables.PatternColumns.Select(c => $"ALTER COLUMN {c} TYPE text COLLATE \"C\"")) + ";")) + "\n" +
            MessageTables.CreateSearchView() + ";"),
        // Searching by address (a subnet with <<=, either direction) otherwise filters every row of the time range.
        // The btree answers <<= as a range of the inet order. One column, not (address, ts): the same address recurs
        // on most rows, which btree deduplication stores once per page (a quarter of the size, and cheaper to write).
        new(4, "source and destination address indexes",
            string.Join("\n", MessageTables.All.Select(t => $"""
                CREATE INDEX {t}_src_ip ON {t} (src_ip);
                CREATE INDEX {t}_dst_ip ON {t} (dst_ip);
                """))),
        // Payloads and header fields over about 2 KB (SIPREC INVITEs, big SDP) are compressed when stored; lz4 compresses
        // several times faster than pglz and reads back faster. (The pglz in profiles of the load test, whose payloads
        // stay under 2 KB, was the dialog journal's: migration 104.)
        // Existing partitions are set too (ALTER on the parent does not recurse for this); rows already stored keep
        // pglz. A server built without lz4 keeps pglz and says so.
        new(5, "lz4 compression for payloads and header fields",
            $$"""
            DO $$
            DECLARE t regclass;
            BEGIN
                FOR t IN
                    SELECT c.oid::regclass FROM pg_class c
                    WHERE c.oid IN ({{string.Join(", ", MessageTables.All.Select(t => $"'{t}'::regclass"))}})
                       OR c.oid IN (SELECT inhrelid FROM pg_inherits
                                    WHERE inhparent IN ({{string.Join(", ", MessageTables.All.Select(t => $"'{t}'::regclass"))}}))
                LOOP
                    EXECUTE format('ALTER TABLE %s ALTER COLUMN payload SET COMPRESSION lz4, ALTER COLUMN headers SET COMPRESSION lz4', t);
                END LOOP;
            EXCEPTION WHEN feature_not_supported THEN
                RAISE NOTICE 'this PostgreSQL has no lz4: payloads stay compressed with pglz';
            END $$;
            """),
        // A btree entry must fit a third of a page (2 704 bytes): one packet with a 10 KB Call-ID, correlation id or
        // From/To user made PostgreSQL refuse its whole COPY batch (54000). The rows keep the full values; the indexes
        // hold their first 256 characters, and every lookup names both (IndexedText, which must say what these say). Indexes made on the parent
        // table are made on every partition it has, and on every partition created later (PartitionManager's
        // PARTITION OF), so no partition is left with the old ones.
        new(6, "bounded indexes on the message tables: left(column, 256) for Call-ID, correlation id and users",
            string.Join("\n", MessageTables.All.Select(t => $"""
                DROP INDEX {t}_call_id_ts;
                DROP INDEX {t}_correlation_id;
                DROP INDEX {t}_from_user_ts;
                DROP INDEX {t}_to_user_ts;
                CREATE INDEX {t}_call_id_ts ON {t} (left(call_id, 256), ts);
                CREATE INDEX {t}_correlation_id ON {t} (left(correlation_id, 256)) WHERE correlation_id IS NOT NULL;
                CREATE INDEX {t}_from_user_ts ON {t} (left(from_user, 256), ts);
                CREATE INDEX {t}_to_user_ts ON {t} (left(to_user, 256), ts);
                """))),
        new(7, "quarantine: rows PostgreSQL refused for good, kept with their raw HEP bytes (or the row as JSON) and the error", """
            CREATE TABLE quarantine (
                id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                quarantined_at  timestamptz NOT NULL DEFAULT now(),
                captured_at     timestamptz,
                kind            text        NOT NULL CHECK (kind IN ('message', 'dialog', 'stats', 'alarm', 'toplist')),
                target_table    text        NOT NULL,
                node            text,
                hep             bytea,
                row_json        text,
                sqlstate        text        NOT NULL,
                error           text        NOT NULL,
                attempts        integer     NOT NULL DEFAULT 1,
                replayed_at     timestamptz,
                CHECK (hep IS NOT NULL OR row_json IS NOT NULL)
            );
            CREATE INDEX quarantine_at ON quarantine (quarantined_at);
            CREATE INDEX quarantine_waiting ON quarantine (kind, id) WHERE replayed_at IS NULL;
            """),
        // Configured header fields (HOMER 7's header mapping) are stored per message in one jsonb column, written only by
        // batches that carry one. The GIN index is partial: rows without fields (all of them until an admin declares
        // one) cost it nothing at ingest. Adding a nullable column is a catalog change; the view is rebuilt because
        // its SELECT * was expanded when it was made.
        new(11, "fields column for configured header fields, with a partial GIN index",
            $"DROP VIEW {MessageTables.SearchView};\n" +
            string.Join("\n", MessageTables.All.Select(t => $"""
                ALTER TABLE {t} ADD COLUMN fields jsonb;
                CREATE INDEX {t}_fields ON {t} USING gin (fields jsonb_path_ops) WHERE fields IS NOT NULL;
                """)) + "\n" +
            MessageTables.CreateSearchView() + ";"),
        new(12, "header_fields: header fields declared by admins", """
            CREATE TABLE header_fields (
                name        text        PRIMARY KEY,
                header      text        NOT NULL,
                part        text,
                updated_by  text,
                updated_at  timestamptz NOT NULL DEFAULT now()
            );
            """),
    ];
}
