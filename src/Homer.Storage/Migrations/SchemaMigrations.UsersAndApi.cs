namespace Homer.Storage.Migrations;

public static partial class SchemaMigrations
{
    static partial void AddUsersAndApi(List<Migration> migrations)
    {
        migrations.Add(new(200, "users, API tokens, revoked sessions and the shared token-signing key", """
            CREATE TABLE users (
                id             bigserial   PRIMARY KEY,
                username       text        NOT NULL UNIQUE,
                password_hash  text        NOT NULL,
                role           text        NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
                disabled       boolean     NOT NULL DEFAULT false,
                -- Bumped by a password reset: every session token issued before it stops working.
                session_epoch  integer     NOT NULL DEFAULT 0,
                created_at     timestamptz NOT NULL DEFAULT now(),
                updated_at     timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE api_tokens (
                id          bigserial   PRIMARY KEY,
                user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name        text        NOT NULL,
                -- SHA-256 of the token: tokens are 256 random bits, so a slow KDF would add nothing.
                token_hash  bytea       NOT NULL UNIQUE,
                role        text        NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
                created_at  timestamptz NOT NULL DEFAULT now(),
                expires_at  timestamptz,
                revoked_at  timestamptz
            );
            CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

            -- Logged-out session tokens until they would have expired anyway.
            CREATE TABLE revoked_sessions (
                jti         uuid        PRIMARY KEY,
                expires_at  timestamptz NOT NULL
            );

            -- One signing key for the whole cluster, so a token issued by one API node is accepted by the others.
            CREATE TABLE auth_keys (
                name        text        PRIMARY KEY,
                key         bytea       NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now()
            );
            """));

        migrations.Add(new(201, "aliases (ip:port to a name) and saved dashboards", """
            CREATE TABLE aliases (
                id          bigserial   PRIMARY KEY,
                ip          inet        NOT NULL,
                -- 0: any port of the address.
                port        integer     NOT NULL DEFAULT 0 CHECK (port BETWEEN 0 AND 65535),
                name        text        NOT NULL,
                capture_id  bigint,
                created_at  timestamptz NOT NULL DEFAULT now(),
                UNIQUE (ip, port)
            );

            CREATE TABLE dashboards (
                id          bigserial   PRIMARY KEY,
                owner_id    bigint      REFERENCES users (id) ON DELETE CASCADE,
                -- Kept with the row: dashboards made with authentication off have no owner row.
                owner_name  text        NOT NULL,
                title       text        NOT NULL,
                shared      boolean     NOT NULL DEFAULT false,
                promoted    boolean     NOT NULL DEFAULT false,
                layout      text        NOT NULL,
                -- The dashboard's own JSON, kept byte for byte (jsonb would reorder its keys).
                widgets     text        NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now(),
                updated_at  timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX dashboards_owner_name ON dashboards (owner_name);
            """));

        migrations.Add(new(202, "share links kept, so they can be listed and revoked", """
            CREATE TABLE share_links (
                id          bigserial   PRIMARY KEY,
                -- Null for links made with authentication off (no user).
                user_id     bigint      REFERENCES users (id) ON DELETE CASCADE,
                created_by  text        NOT NULL,
                call_ids    text[]      NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now(),
                expires_at  timestamptz NOT NULL,
                revoked_at  timestamptz
            );
            CREATE INDEX share_links_user_id ON share_links (user_id);
            """));

        migrations.Add(new(203, "where a user's password is checked: local (password_hash) or an LDAP directory", """
            -- An 'ldap' row is made by a directory login and gets its role from the directory's groups at each login;
            -- its password_hash is a marker that no password matches. A name belongs to one source: a directory
            -- entry never takes over a local account of the same name.
            ALTER TABLE users ADD COLUMN source text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'ldap'));
            """));
    }
}
