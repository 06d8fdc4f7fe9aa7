namespace Homer.Storage.Migrations;

public static partial class SchemaMigrations
{
    static partial void AddStatsAndAlarms(List<Migration> migrations)
    {
        migrations.Add(new(300, "statistics counters per time bucket, alarm rules and alarms", """
            -- One additive counter per (resolution, bucket, metric, key, node, capture id). Every increment is written to
            -- all three resolutions in the same transaction as what it counts, so late data (a call counted when it ends,
            -- minutes after its start bucket) lands in the right bucket of every resolution without a re-rollup.
            CREATE TABLE stats_counters (
                resolution  smallint         NOT NULL,
                bucket      timestamptz      NOT NULL,
                metric      text             NOT NULL,
                key         text             NOT NULL,
                node        text             NOT NULL,
                capture_id  bigint           NOT NULL,
                count       bigint           NOT NULL,
                total       double precision NOT NULL DEFAULT 0,
                PRIMARY KEY (resolution, bucket, metric, key, node, capture_id)
            );

            -- A call's KPIs are counted once, in the transaction that first writes it ended (MOS: first written with a
            -- MOS after its end), whichever node writes it and however often it is written again.
            ALTER TABLE dialogs
                ADD COLUMN stats_counted boolean NOT NULL DEFAULT false,
                ADD COLUMN mos_counted   boolean NOT NULL DEFAULT false;
            CREATE INDEX dialogs_stats_pending ON dialogs (call_id) WHERE NOT stats_counted;

            CREATE TABLE alarm_rules (
                id                bigserial        PRIMARY KEY,
                name              text             NOT NULL UNIQUE,
                type              text             NOT NULL,
                enabled           boolean          NOT NULL,
                severity          text             NOT NULL CHECK (severity IN ('INFO', 'WARNING', 'CRITICAL')),
                threshold         double precision,
                window_seconds    integer          NOT NULL CHECK (window_seconds > 0),
                min_count         integer,
                cooldown_seconds  integer          NOT NULL CHECK (cooldown_seconds >= 0),
                scope             text,
                parameters        jsonb            NOT NULL DEFAULT '{}',
                created_at        timestamptz      NOT NULL DEFAULT now(),
                updated_at        timestamptz      NOT NULL DEFAULT now()
            );

            -- rule_id is not a foreign key: deleting a rule keeps the history of what it raised.
            CREATE TABLE alarms (
                id                bigserial   PRIMARY KEY,
                rule_id           bigint      NOT NULL,
                rule_type         text        NOT NULL,
                severity          text        NOT NULL,
                state             text        NOT NULL CHECK (state IN ('ACTIVE', 'ACKNOWLEDGED', 'RESOLVED')),
                alarm_key         text        NOT NULL,
                scope             text        NOT NULL,
                message           text        NOT NULL,
                count             bigint      NOT NULL,
                first_seen        timestamptz NOT NULL,
                last_seen         timestamptz NOT NULL,
                example_call_ids  text[]      NOT NULL DEFAULT '{}',
                acknowledged_by   text,
                acknowledged_at   timestamptz,
                resolved_at       timestamptz
            );
            -- At most one open alarm per rule and key: an engine that restarts elsewhere (or two that overlap during a
            -- partition) update it instead of raising it twice.
            CREATE UNIQUE INDEX alarms_open ON alarms (rule_id, alarm_key) WHERE state <> 'RESOLVED';
            CREATE INDEX alarms_last_seen ON alarms (last_seen);
            """));

        // Counting looks dialogs up by Call-ID (the primary key); this index only grew with every registration and
        // OTHER dialog, which are never counted.
        migrations.Add(new(301, "drop the unused partial index of uncounted dialogs", """
            DROP INDEX IF EXISTS dialogs_stats_pending;
            """));

        // Clusters seeded before STORAGE_STALLED existed get its rule (a new cluster seeds it with the other defaults).
        migrations.Add(new(302, "STORAGE_STALLED alarm rule for clusters whose rules were seeded before it existed", """
            INSERT INTO alarm_rules (name, type, enabled, severity, window_seconds, cooldown_seconds)
            SELECT 'storage-stalled', 'STORAGE_STALLED', true, 'CRITICAL', 30, 60
            WHERE EXISTS (SELECT 1 FROM alarm_rules)
              AND NOT EXISTS (SELECT 1 FROM alarm_rules WHERE type = 'STORAGE_STALLED' OR name = 'storage-stalled');
            """));
    }
}
