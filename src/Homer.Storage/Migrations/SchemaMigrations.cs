namespace Homer.Storage.Migrations;

/// <summary>
/// The schema as versioned migrations, one list per area (partial files) so areas evolve independently:
/// message store 1–99, dialogs 100–199, users and API 200–299, statistics and alarms 300–399, capture agents 400–499.
/// Append new steps; never change an applied one. Each step is literal SQL, never built from live code such as
/// <see cref="MessageTables"/>: a later edit there would give a fresh database a different schema than an upgraded
/// one (SchemaDumpTests compares the result with tests/Homer.Storage.Tests/expected-schema.sql).
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
        AddAgents(found);
        return found;
    }

    static partial void AddDialogs(List<Migration> migrations);
    static partial void AddUsersAndApi(List<Migration> migrations);
    static partial void AddStatsAndAlarms(List<Migration> migrations);
    static partial void AddAgents(List<Migration> migrations);

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
        new(2, "one partitioned table per profile, searchable columns and JSONB headers; messages becomes a view", """
            CREATE TABLE hep_call (
                id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
                ts              timestamptz NOT NULL,
                proto_type      smallint    NOT NULL,
                ip_proto        smallint    NOT NULL,
                transport       text,
                src_ip          inet        NOT NULL,
                src_port        integer     NOT NULL,
                dst_ip          inet        NOT NULL,
                dst_port        integer     NOT NULL,
                capture_id      bigint      NOT NULL,
                node            text,
                vlan            integer,
                correlation_id  text,
                call_id         text,
                method          text,
                status          smallint,
                reason          text,
                ruri_user       text,
                ruri_domain     text,
                from_user       text,
                from_domain     text,
                from_tag        text,
                to_user         text,
                to_domain       text,
                to_tag          text,
                cseq            bigint,
                cseq_method     text,
                user_agent      text,
                parse_error     text,
                headers         jsonb,
                payload         bytea       NOT NULL
            ) PARTITION BY RANGE (ts);
            -- Rows whose timestamps fall outside every range partition (senders with broken clocks) are kept here.
            CREATE TABLE hep_call_default PARTITION OF hep_call DEFAULT;
            CREATE INDEX hep_call_call_id_ts ON hep_call (call_id, ts);
            CREATE INDEX hep_call_correlation_id ON hep_call (correlation_id) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_call_ts ON hep_call (ts);
            CREATE INDEX hep_call_from_user_ts ON hep_call (from_user, ts);
            CREATE INDEX hep_call_to_user_ts ON hep_call (to_user, ts);
            CREATE TABLE hep_registration (
                id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
                ts              timestamptz NOT NULL,
                proto_type      smallint    NOT NULL,
                ip_proto        smallint    NOT NULL,
                transport       text,
                src_ip          inet        NOT NULL,
                src_port        integer     NOT NULL,
                dst_ip          inet        NOT NULL,
                dst_port        integer     NOT NULL,
                capture_id      bigint      NOT NULL,
                node            text,
                vlan            integer,
                correlation_id  text,
                call_id         text,
                method          text,
                status          smallint,
                reason          text,
                ruri_user       text,
                ruri_domain     text,
                from_user       text,
                from_domain     text,
                from_tag        text,
                to_user         text,
                to_domain       text,
                to_tag          text,
                cseq            bigint,
                cseq_method     text,
                user_agent      text,
                parse_error     text,
                headers         jsonb,
                payload         bytea       NOT NULL
            ) PARTITION BY RANGE (ts);
            -- Rows whose timestamps fall outside every range partition (senders with broken clocks) are kept here.
            CREATE TABLE hep_registration_default PARTITION OF hep_registration DEFAULT;
            CREATE INDEX hep_registration_call_id_ts ON hep_registration (call_id, ts);
            CREATE INDEX hep_registration_correlation_id ON hep_registration (correlation_id) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_registration_ts ON hep_registration (ts);
            CREATE INDEX hep_registration_from_user_ts ON hep_registration (from_user, ts);
            CREATE INDEX hep_registration_to_user_ts ON hep_registration (to_user, ts);
            CREATE TABLE hep_default (
                id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
                ts              timestamptz NOT NULL,
                proto_type      smallint    NOT NULL,
                ip_proto        smallint    NOT NULL,
                transport       text,
                src_ip          inet        NOT NULL,
                src_port        integer     NOT NULL,
                dst_ip          inet        NOT NULL,
                dst_port        integer     NOT NULL,
                capture_id      bigint      NOT NULL,
                node            text,
                vlan            integer,
                correlation_id  text,
                call_id         text,
                method          text,
                status          smallint,
                reason          text,
                ruri_user       text,
                ruri_domain     text,
                from_user       text,
                from_domain     text,
                from_tag        text,
                to_user         text,
                to_domain       text,
                to_tag          text,
                cseq            bigint,
                cseq_method     text,
                user_agent      text,
                parse_error     text,
                headers         jsonb,
                payload         bytea       NOT NULL
            ) PARTITION BY RANGE (ts);
            -- Rows whose timestamps fall outside every range partition (senders with broken clocks) are kept here.
            CREATE TABLE hep_default_default PARTITION OF hep_default DEFAULT;
            CREATE INDEX hep_default_call_id_ts ON hep_default (call_id, ts);
            CREATE INDEX hep_default_correlation_id ON hep_default (correlation_id) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_default_ts ON hep_default (ts);
            CREATE INDEX hep_default_from_user_ts ON hep_default (from_user, ts);
            CREATE INDEX hep_default_to_user_ts ON hep_default (to_user, ts);
            CREATE TABLE hep_qos (
                id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
                ts              timestamptz NOT NULL,
                proto_type      smallint    NOT NULL,
                ip_proto        smallint    NOT NULL,
                transport       text,
                src_ip          inet        NOT NULL,
                src_port        integer     NOT NULL,
                dst_ip          inet        NOT NULL,
                dst_port        integer     NOT NULL,
                capture_id      bigint      NOT NULL,
                node            text,
                vlan            integer,
                correlation_id  text,
                call_id         text,
                method          text,
                status          smallint,
                reason          text,
                ruri_user       text,
                ruri_domain     text,
                from_user       text,
                from_domain     text,
                from_tag        text,
                to_user         text,
                to_domain       text,
                to_tag          text,
                cseq            bigint,
                cseq_method     text,
                user_agent      text,
                parse_error     text,
                headers         jsonb,
                payload         bytea       NOT NULL
            ) PARTITION BY RANGE (ts);
            -- Rows whose timestamps fall outside every range partition (senders with broken clocks) are kept here.
            CREATE TABLE hep_qos_default PARTITION OF hep_qos DEFAULT;
            CREATE INDEX hep_qos_call_id_ts ON hep_qos (call_id, ts);
            CREATE INDEX hep_qos_correlation_id ON hep_qos (correlation_id) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_qos_ts ON hep_qos (ts);
            CREATE INDEX hep_qos_from_user_ts ON hep_qos (from_user, ts);
            CREATE INDEX hep_qos_to_user_ts ON hep_qos (to_user, ts);
            CREATE TABLE hep_rtcp (
                id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
                ts              timestamptz NOT NULL,
                proto_type      smallint    NOT NULL,
                ip_proto        smallint    NOT NULL,
                transport       text,
                src_ip          inet        NOT NULL,
                src_port        integer     NOT NULL,
                dst_ip          inet        NOT NULL,
                dst_port        integer     NOT NULL,
                capture_id      bigint      NOT NULL,
                node            text,
                vlan            integer,
                correlation_id  text,
                call_id         text,
                method          text,
                status          smallint,
                reason          text,
                ruri_user       text,
                ruri_domain     text,
                from_user       text,
                from_domain     text,
                from_tag        text,
                to_user         text,
                to_domain       text,
                to_tag          text,
                cseq            bigint,
                cseq_method     text,
                user_agent      text,
                parse_error     text,
                headers         jsonb,
                payload         bytea       NOT NULL
            ) PARTITION BY RANGE (ts);
            -- Rows whose timestamps fall outside every range partition (senders with broken clocks) are kept here.
            CREATE TABLE hep_rtcp_default PARTITION OF hep_rtcp DEFAULT;
            CREATE INDEX hep_rtcp_call_id_ts ON hep_rtcp (call_id, ts);
            CREATE INDEX hep_rtcp_correlation_id ON hep_rtcp (correlation_id) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_rtcp_ts ON hep_rtcp (ts);
            CREATE INDEX hep_rtcp_from_user_ts ON hep_rtcp (from_user, ts);
            CREATE INDEX hep_rtcp_to_user_ts ON hep_rtcp (to_user, ts);
            CREATE TABLE hep_log (
                id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
                ts              timestamptz NOT NULL,
                proto_type      smallint    NOT NULL,
                ip_proto        smallint    NOT NULL,
                transport       text,
                src_ip          inet        NOT NULL,
                src_port        integer     NOT NULL,
                dst_ip          inet        NOT NULL,
                dst_port        integer     NOT NULL,
                capture_id      bigint      NOT NULL,
                node            text,
                vlan            integer,
                correlation_id  text,
                call_id         text,
                method          text,
                status          smallint,
                reason          text,
                ruri_user       text,
                ruri_domain     text,
                from_user       text,
                from_domain     text,
                from_tag        text,
                to_user         text,
                to_domain       text,
                to_tag          text,
                cseq            bigint,
                cseq_method     text,
                user_agent      text,
                parse_error     text,
                headers         jsonb,
                payload         bytea       NOT NULL
            ) PARTITION BY RANGE (ts);
            -- Rows whose timestamps fall outside every range partition (senders with broken clocks) are kept here.
            CREATE TABLE hep_log_default PARTITION OF hep_log DEFAULT;
            CREATE INDEX hep_log_call_id_ts ON hep_log (call_id, ts);
            CREATE INDEX hep_log_correlation_id ON hep_log (correlation_id) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_log_ts ON hep_log (ts);
            CREATE INDEX hep_log_from_user_ts ON hep_log (from_user, ts);
            CREATE INDEX hep_log_to_user_ts ON hep_log (to_user, ts);
            CREATE TABLE hep_generic (
                id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
                ts              timestamptz NOT NULL,
                proto_type      smallint    NOT NULL,
                ip_proto        smallint    NOT NULL,
                transport       text,
                src_ip          inet        NOT NULL,
                src_port        integer     NOT NULL,
                dst_ip          inet        NOT NULL,
                dst_port        integer     NOT NULL,
                capture_id      bigint      NOT NULL,
                node            text,
                vlan            integer,
                correlation_id  text,
                call_id         text,
                method          text,
                status          smallint,
                reason          text,
                ruri_user       text,
                ruri_domain     text,
                from_user       text,
                from_domain     text,
                from_tag        text,
                to_user         text,
                to_domain       text,
                to_tag          text,
                cseq            bigint,
                cseq_method     text,
                user_agent      text,
                parse_error     text,
                headers         jsonb,
                payload         bytea       NOT NULL
            ) PARTITION BY RANGE (ts);
            -- Rows whose timestamps fall outside every range partition (senders with broken clocks) are kept here.
            CREATE TABLE hep_generic_default PARTITION OF hep_generic DEFAULT;
            CREATE INDEX hep_generic_call_id_ts ON hep_generic (call_id, ts);
            CREATE INDEX hep_generic_correlation_id ON hep_generic (correlation_id) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_generic_ts ON hep_generic (ts);
            CREATE INDEX hep_generic_from_user_ts ON hep_generic (from_user, ts);
            CREATE INDEX hep_generic_to_user_ts ON hep_generic (to_user, ts);
            INSERT INTO hep_call (id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload)
            SELECT id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload
            FROM messages WHERE profile = 1;
            INSERT INTO hep_registration (id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload)
            SELECT id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload
            FROM messages WHERE profile = 2;
            INSERT INTO hep_default (id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload)
            SELECT id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload
            FROM messages WHERE profile = 0;
            INSERT INTO hep_qos (id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload)
            SELECT id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload
            FROM messages WHERE profile = 3;
            INSERT INTO hep_rtcp (id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload)
            SELECT id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload
            FROM messages WHERE profile = 4;
            INSERT INTO hep_log (id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload)
            SELECT id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload
            FROM messages WHERE profile = 5;
            INSERT INTO hep_generic (id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload)
            SELECT id, ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, node,
                correlation_id, call_id, method, status, reason, ruri_user, from_user, from_tag, to_user, to_tag, cseq,
                cseq_method, user_agent, parse_error, payload
            FROM messages WHERE profile = 6;
            DROP TABLE messages;
            CREATE VIEW messages AS
            SELECT *, 1::smallint AS profile FROM hep_call
            UNION ALL
            SELECT *, 2::smallint AS profile FROM hep_registration
            UNION ALL
            SELECT *, 0::smallint AS profile FROM hep_default
            UNION ALL
            SELECT *, 3::smallint AS profile FROM hep_qos
            UNION ALL
            SELECT *, 4::smallint AS profile FROM hep_rtcp
            UNION ALL
            SELECT *, 5::smallint AS profile FROM hep_log
            UNION ALL
            SELECT *, 6::smallint AS profile FROM hep_generic;
            """),
        // Byte-order collation for the pattern-searched columns: only then can PostgreSQL answer `alice%` from the
        // btree index instead of filtering every row of the time range (1 s per prefix query on 10 M rows).
        new(3, "C collation on users, domains and user agent so prefix searches use the indexes", """
            DROP VIEW messages;
            ALTER TABLE hep_call ALTER COLUMN ruri_user TYPE text COLLATE "C", ALTER COLUMN ruri_domain TYPE text COLLATE "C", ALTER COLUMN from_user TYPE text COLLATE "C", ALTER COLUMN from_domain TYPE text COLLATE "C", ALTER COLUMN to_user TYPE text COLLATE "C", ALTER COLUMN to_domain TYPE text COLLATE "C", ALTER COLUMN user_agent TYPE text COLLATE "C", ALTER COLUMN node TYPE text COLLATE "C";
            ALTER TABLE hep_registration ALTER COLUMN ruri_user TYPE text COLLATE "C", ALTER COLUMN ruri_domain TYPE text COLLATE "C", ALTER COLUMN from_user TYPE text COLLATE "C", ALTER COLUMN from_domain TYPE text COLLATE "C", ALTER COLUMN to_user TYPE text COLLATE "C", ALTER COLUMN to_domain TYPE text COLLATE "C", ALTER COLUMN user_agent TYPE text COLLATE "C", ALTER COLUMN node TYPE text COLLATE "C";
            ALTER TABLE hep_default ALTER COLUMN ruri_user TYPE text COLLATE "C", ALTER COLUMN ruri_domain TYPE text COLLATE "C", ALTER COLUMN from_user TYPE text COLLATE "C", ALTER COLUMN from_domain TYPE text COLLATE "C", ALTER COLUMN to_user TYPE text COLLATE "C", ALTER COLUMN to_domain TYPE text COLLATE "C", ALTER COLUMN user_agent TYPE text COLLATE "C", ALTER COLUMN node TYPE text COLLATE "C";
            ALTER TABLE hep_qos ALTER COLUMN ruri_user TYPE text COLLATE "C", ALTER COLUMN ruri_domain TYPE text COLLATE "C", ALTER COLUMN from_user TYPE text COLLATE "C", ALTER COLUMN from_domain TYPE text COLLATE "C", ALTER COLUMN to_user TYPE text COLLATE "C", ALTER COLUMN to_domain TYPE text COLLATE "C", ALTER COLUMN user_agent TYPE text COLLATE "C", ALTER COLUMN node TYPE text COLLATE "C";
            ALTER TABLE hep_rtcp ALTER COLUMN ruri_user TYPE text COLLATE "C", ALTER COLUMN ruri_domain TYPE text COLLATE "C", ALTER COLUMN from_user TYPE text COLLATE "C", ALTER COLUMN from_domain TYPE text COLLATE "C", ALTER COLUMN to_user TYPE text COLLATE "C", ALTER COLUMN to_domain TYPE text COLLATE "C", ALTER COLUMN user_agent TYPE text COLLATE "C", ALTER COLUMN node TYPE text COLLATE "C";
            ALTER TABLE hep_log ALTER COLUMN ruri_user TYPE text COLLATE "C", ALTER COLUMN ruri_domain TYPE text COLLATE "C", ALTER COLUMN from_user TYPE text COLLATE "C", ALTER COLUMN from_domain TYPE text COLLATE "C", ALTER COLUMN to_user TYPE text COLLATE "C", ALTER COLUMN to_domain TYPE text COLLATE "C", ALTER COLUMN user_agent TYPE text COLLATE "C", ALTER COLUMN node TYPE text COLLATE "C";
            ALTER TABLE hep_generic ALTER COLUMN ruri_user TYPE text COLLATE "C", ALTER COLUMN ruri_domain TYPE text COLLATE "C", ALTER COLUMN from_user TYPE text COLLATE "C", ALTER COLUMN from_domain TYPE text COLLATE "C", ALTER COLUMN to_user TYPE text COLLATE "C", ALTER COLUMN to_domain TYPE text COLLATE "C", ALTER COLUMN user_agent TYPE text COLLATE "C", ALTER COLUMN node TYPE text COLLATE "C";
            CREATE VIEW messages AS
            SELECT *, 1::smallint AS profile FROM hep_call
            UNION ALL
            SELECT *, 2::smallint AS profile FROM hep_registration
            UNION ALL
            SELECT *, 0::smallint AS profile FROM hep_default
            UNION ALL
            SELECT *, 3::smallint AS profile FROM hep_qos
            UNION ALL
            SELECT *, 4::smallint AS profile FROM hep_rtcp
            UNION ALL
            SELECT *, 5::smallint AS profile FROM hep_log
            UNION ALL
            SELECT *, 6::smallint AS profile FROM hep_generic;
            """),
        // Searching by address (a subnet with <<=, either direction) otherwise filters every row of the time range.
        // The btree answers <<= as a range of the inet order. One column, not (address, ts): the same address recurs
        // on most rows, which btree deduplication stores once per page (a quarter of the size, and cheaper to write).
        new(4, "source and destination address indexes", """
            CREATE INDEX hep_call_src_ip ON hep_call (src_ip);
            CREATE INDEX hep_call_dst_ip ON hep_call (dst_ip);
            CREATE INDEX hep_registration_src_ip ON hep_registration (src_ip);
            CREATE INDEX hep_registration_dst_ip ON hep_registration (dst_ip);
            CREATE INDEX hep_default_src_ip ON hep_default (src_ip);
            CREATE INDEX hep_default_dst_ip ON hep_default (dst_ip);
            CREATE INDEX hep_qos_src_ip ON hep_qos (src_ip);
            CREATE INDEX hep_qos_dst_ip ON hep_qos (dst_ip);
            CREATE INDEX hep_rtcp_src_ip ON hep_rtcp (src_ip);
            CREATE INDEX hep_rtcp_dst_ip ON hep_rtcp (dst_ip);
            CREATE INDEX hep_log_src_ip ON hep_log (src_ip);
            CREATE INDEX hep_log_dst_ip ON hep_log (dst_ip);
            CREATE INDEX hep_generic_src_ip ON hep_generic (src_ip);
            CREATE INDEX hep_generic_dst_ip ON hep_generic (dst_ip);
            """),
        // Payloads and header fields over about 2 KB (SIPREC INVITEs, big SDP) are compressed when stored; lz4 compresses
        // several times faster than pglz and reads back faster. (The pglz in profiles of the load test, whose payloads
        // stay under 2 KB, was the dialog journal's: migration 104.)
        // Existing partitions are set too (ALTER on the parent does not recurse for this); rows already stored keep
        // pglz. A server built without lz4 keeps pglz and says so.
        new(5, "lz4 compression for payloads and header fields", """
            DO $$
            DECLARE t regclass;
            BEGIN
                FOR t IN
                    SELECT c.oid::regclass FROM pg_class c
                    WHERE c.oid IN ('hep_call'::regclass, 'hep_registration'::regclass, 'hep_default'::regclass, 'hep_qos'::regclass, 'hep_rtcp'::regclass, 'hep_log'::regclass, 'hep_generic'::regclass)
                       OR c.oid IN (SELECT inhrelid FROM pg_inherits
                                    WHERE inhparent IN ('hep_call'::regclass, 'hep_registration'::regclass, 'hep_default'::regclass, 'hep_qos'::regclass, 'hep_rtcp'::regclass, 'hep_log'::regclass, 'hep_generic'::regclass))
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
        new(6, "bounded indexes on the message tables: left(column, 256) for Call-ID, correlation id and users", """
            DROP INDEX hep_call_call_id_ts;
            DROP INDEX hep_call_correlation_id;
            DROP INDEX hep_call_from_user_ts;
            DROP INDEX hep_call_to_user_ts;
            CREATE INDEX hep_call_call_id_ts ON hep_call (left(call_id, 256), ts);
            CREATE INDEX hep_call_correlation_id ON hep_call (left(correlation_id, 256)) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_call_from_user_ts ON hep_call (left(from_user, 256), ts);
            CREATE INDEX hep_call_to_user_ts ON hep_call (left(to_user, 256), ts);
            DROP INDEX hep_registration_call_id_ts;
            DROP INDEX hep_registration_correlation_id;
            DROP INDEX hep_registration_from_user_ts;
            DROP INDEX hep_registration_to_user_ts;
            CREATE INDEX hep_registration_call_id_ts ON hep_registration (left(call_id, 256), ts);
            CREATE INDEX hep_registration_correlation_id ON hep_registration (left(correlation_id, 256)) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_registration_from_user_ts ON hep_registration (left(from_user, 256), ts);
            CREATE INDEX hep_registration_to_user_ts ON hep_registration (left(to_user, 256), ts);
            DROP INDEX hep_default_call_id_ts;
            DROP INDEX hep_default_correlation_id;
            DROP INDEX hep_default_from_user_ts;
            DROP INDEX hep_default_to_user_ts;
            CREATE INDEX hep_default_call_id_ts ON hep_default (left(call_id, 256), ts);
            CREATE INDEX hep_default_correlation_id ON hep_default (left(correlation_id, 256)) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_default_from_user_ts ON hep_default (left(from_user, 256), ts);
            CREATE INDEX hep_default_to_user_ts ON hep_default (left(to_user, 256), ts);
            DROP INDEX hep_qos_call_id_ts;
            DROP INDEX hep_qos_correlation_id;
            DROP INDEX hep_qos_from_user_ts;
            DROP INDEX hep_qos_to_user_ts;
            CREATE INDEX hep_qos_call_id_ts ON hep_qos (left(call_id, 256), ts);
            CREATE INDEX hep_qos_correlation_id ON hep_qos (left(correlation_id, 256)) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_qos_from_user_ts ON hep_qos (left(from_user, 256), ts);
            CREATE INDEX hep_qos_to_user_ts ON hep_qos (left(to_user, 256), ts);
            DROP INDEX hep_rtcp_call_id_ts;
            DROP INDEX hep_rtcp_correlation_id;
            DROP INDEX hep_rtcp_from_user_ts;
            DROP INDEX hep_rtcp_to_user_ts;
            CREATE INDEX hep_rtcp_call_id_ts ON hep_rtcp (left(call_id, 256), ts);
            CREATE INDEX hep_rtcp_correlation_id ON hep_rtcp (left(correlation_id, 256)) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_rtcp_from_user_ts ON hep_rtcp (left(from_user, 256), ts);
            CREATE INDEX hep_rtcp_to_user_ts ON hep_rtcp (left(to_user, 256), ts);
            DROP INDEX hep_log_call_id_ts;
            DROP INDEX hep_log_correlation_id;
            DROP INDEX hep_log_from_user_ts;
            DROP INDEX hep_log_to_user_ts;
            CREATE INDEX hep_log_call_id_ts ON hep_log (left(call_id, 256), ts);
            CREATE INDEX hep_log_correlation_id ON hep_log (left(correlation_id, 256)) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_log_from_user_ts ON hep_log (left(from_user, 256), ts);
            CREATE INDEX hep_log_to_user_ts ON hep_log (left(to_user, 256), ts);
            DROP INDEX hep_generic_call_id_ts;
            DROP INDEX hep_generic_correlation_id;
            DROP INDEX hep_generic_from_user_ts;
            DROP INDEX hep_generic_to_user_ts;
            CREATE INDEX hep_generic_call_id_ts ON hep_generic (left(call_id, 256), ts);
            CREATE INDEX hep_generic_correlation_id ON hep_generic (left(correlation_id, 256)) WHERE correlation_id IS NOT NULL;
            CREATE INDEX hep_generic_from_user_ts ON hep_generic (left(from_user, 256), ts);
            CREATE INDEX hep_generic_to_user_ts ON hep_generic (left(to_user, 256), ts);
            """),
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
        new(11, "fields column for configured header fields, with a partial GIN index", """
            DROP VIEW messages;
            ALTER TABLE hep_call ADD COLUMN fields jsonb;
            CREATE INDEX hep_call_fields ON hep_call USING gin (fields jsonb_path_ops) WHERE fields IS NOT NULL;
            ALTER TABLE hep_registration ADD COLUMN fields jsonb;
            CREATE INDEX hep_registration_fields ON hep_registration USING gin (fields jsonb_path_ops) WHERE fields IS NOT NULL;
            ALTER TABLE hep_default ADD COLUMN fields jsonb;
            CREATE INDEX hep_default_fields ON hep_default USING gin (fields jsonb_path_ops) WHERE fields IS NOT NULL;
            ALTER TABLE hep_qos ADD COLUMN fields jsonb;
            CREATE INDEX hep_qos_fields ON hep_qos USING gin (fields jsonb_path_ops) WHERE fields IS NOT NULL;
            ALTER TABLE hep_rtcp ADD COLUMN fields jsonb;
            CREATE INDEX hep_rtcp_fields ON hep_rtcp USING gin (fields jsonb_path_ops) WHERE fields IS NOT NULL;
            ALTER TABLE hep_log ADD COLUMN fields jsonb;
            CREATE INDEX hep_log_fields ON hep_log USING gin (fields jsonb_path_ops) WHERE fields IS NOT NULL;
            ALTER TABLE hep_generic ADD COLUMN fields jsonb;
            CREATE INDEX hep_generic_fields ON hep_generic USING gin (fields jsonb_path_ops) WHERE fields IS NOT NULL;
            CREATE VIEW messages AS
            SELECT *, 1::smallint AS profile FROM hep_call
            UNION ALL
            SELECT *, 2::smallint AS profile FROM hep_registration
            UNION ALL
            SELECT *, 0::smallint AS profile FROM hep_default
            UNION ALL
            SELECT *, 3::smallint AS profile FROM hep_qos
            UNION ALL
            SELECT *, 4::smallint AS profile FROM hep_rtcp
            UNION ALL
            SELECT *, 5::smallint AS profile FROM hep_log
            UNION ALL
            SELECT *, 6::smallint AS profile FROM hep_generic;
            """),
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
