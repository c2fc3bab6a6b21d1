-- Initial schema of the core (PostgreSQL). Times are epoch milliseconds.
-- user_id uses the "C" collation so that pagination orders ids byte-wise on every server.

CREATE TABLE users (
    user_id       TEXT COLLATE "C" NOT NULL,
    recipe_id     TEXT    NOT NULL,
    tenant_id     TEXT    NOT NULL,
    email         TEXT,
    phone_number  TEXT,
    password_hash TEXT,
    time_joined   BIGINT  NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (user_id),
    CONSTRAINT users_email_uq UNIQUE (tenant_id, recipe_id, email),
    CONSTRAINT users_phone_uq UNIQUE (tenant_id, recipe_id, phone_number)
);
CREATE INDEX users_time_joined_idx ON users (time_joined, user_id);
CREATE INDEX users_email_idx ON users (email);
CREATE INDEX users_phone_idx ON users (phone_number);

CREATE TABLE password_reset_tokens (
    token_hash TEXT   NOT NULL PRIMARY KEY,
    user_id    TEXT   NOT NULL,
    email      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id);
CREATE INDEX password_reset_tokens_expires_idx ON password_reset_tokens (expires_at);

CREATE TABLE sessions (
    session_handle       TEXT    NOT NULL PRIMARY KEY,
    user_id              TEXT    NOT NULL,
    recipe_user_id       TEXT    NOT NULL,
    tenant_id            TEXT    NOT NULL,
    refresh_token_hash_2 TEXT    NOT NULL,
    session_data         TEXT    NOT NULL,
    jwt_payload          TEXT    NOT NULL,
    expires_at           BIGINT  NOT NULL,
    created_at           BIGINT  NOT NULL,
    use_static_key       BOOLEAN NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_recipe_user_idx ON sessions (recipe_user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE signing_keys (
    kid             TEXT   NOT NULL PRIMARY KEY,
    kind            TEXT   NOT NULL,
    generation      BIGINT NOT NULL,
    algorithm       TEXT   NOT NULL,
    private_key_pem TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    CONSTRAINT signing_keys_generation_uq UNIQUE (kind, generation)
);

CREATE TABLE secrets (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
