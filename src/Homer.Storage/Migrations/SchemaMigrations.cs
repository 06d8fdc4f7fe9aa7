namespace Homer.Storage.Migrations;

/// <summary>The schema as an ordered list of migrations. Append new steps; never change an applied one.</summary>
public static class SchemaMigrations
{
    public static readonly IReadOnlyList<Migration> All =
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
    ];
}
