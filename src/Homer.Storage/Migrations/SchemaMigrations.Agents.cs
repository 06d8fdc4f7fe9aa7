namespace Homer.Storage.Migrations;

public static partial class SchemaMigrations
{
    static partial void AddAgents(List<Migration> migrations)
    {
        migrations.Add(new(400, "capture agents announced to the cluster, their desired plan, and agent tokens", """
            -- One row per capture agent (homer-agent --node), written by its announcements every few seconds.
            CREATE TABLE agents (
                name              text        PRIMARY KEY,
                version           text,
                host              text,
                address           inet,
                -- What the agent reported last: its inputs (with their filter and plan) and its counters, as JSON.
                inputs            jsonb       NOT NULL DEFAULT '[]',
                counters          jsonb       NOT NULL DEFAULT '{}',
                -- What the agent itself finds wrong (an output down, an input failed); any makes its health 'error'.
                problems          text[]      NOT NULL DEFAULT '{}',
                interval_seconds  integer     NOT NULL DEFAULT 5,
                -- The last desired version the agent tried, and why it failed (null: applied).
                applied_version   bigint      NOT NULL DEFAULT 0,
                apply_error       text,
                -- What an admin asked for: a BPF filter and/or plan rules (JSON array), for one input or all (null).
                desired_version   bigint      NOT NULL DEFAULT 0,
                desired_filter    text,
                desired_rules     jsonb,
                desired_input     text,
                desired_by        text,
                desired_at        timestamptz,
                first_seen        timestamptz NOT NULL DEFAULT now(),
                last_seen         timestamptz NOT NULL DEFAULT now()
            );

            -- Tokens an agent announces with: bound to one agent name, good for nothing else in the API.
            CREATE TABLE agent_tokens (
                id          bigserial   PRIMARY KEY,
                agent_name  text        NOT NULL,
                -- SHA-256 of the token (256 random bits, as API tokens).
                token_hash  bytea       NOT NULL UNIQUE,
                created_by  text        NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now(),
                revoked_at  timestamptz
            );
            CREATE INDEX agent_tokens_agent_name ON agent_tokens (agent_name);
            """));
    }
}
