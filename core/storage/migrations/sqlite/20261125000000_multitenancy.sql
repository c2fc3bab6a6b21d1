-- Multitenancy (SQLite): users in several tenants, and the tenants and apps themselves.
--
-- A user now belongs to any number of tenants of its app: `user_tenants` holds one row per
-- (user, tenant) with the login method's recipe, email and phone number, and carries the
-- per-tenant uniqueness of emails and phone numbers (per recipe) that `users` used to carry.
-- `users` loses its tenant column and its unique keys (SQLite cannot drop a constraint, so
-- the table is rebuilt with its data and indexes).

CREATE TABLE user_tenants (
    user_id      TEXT NOT NULL,
    tenant_id    TEXT NOT NULL,
    recipe_id    TEXT NOT NULL,
    email        TEXT,
    phone_number TEXT,
    CONSTRAINT user_tenants_pkey PRIMARY KEY (user_id, tenant_id),
    CONSTRAINT user_tenants_email_uq UNIQUE (tenant_id, recipe_id, email),
    CONSTRAINT user_tenants_phone_uq UNIQUE (tenant_id, recipe_id, phone_number)
);
CREATE INDEX user_tenants_tenant_email_idx ON user_tenants (tenant_id, email);
CREATE INDEX user_tenants_tenant_phone_idx ON user_tenants (tenant_id, phone_number);

INSERT INTO user_tenants (user_id, tenant_id, recipe_id, email, phone_number)
    SELECT user_id, tenant_id, recipe_id, email, phone_number FROM users;

CREATE TABLE users_rebuilt (
    user_id       TEXT    NOT NULL PRIMARY KEY,
    recipe_id     TEXT    NOT NULL,
    email         TEXT,
    phone_number  TEXT,
    password_hash TEXT,
    time_joined   BIGINT  NOT NULL
);
INSERT INTO users_rebuilt (user_id, recipe_id, email, phone_number, password_hash, time_joined)
    SELECT user_id, recipe_id, email, phone_number, password_hash, time_joined FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_time_joined_idx ON users (time_joined, user_id);
CREATE INDEX users_email_idx ON users (email);
CREATE INDEX users_phone_idx ON users (phone_number);

-- Tenants of the app other than `public` (which always exists; it has a row only once it
-- is configured). Factor lists are JSON arrays; NULL means "not set" (first factors: every
-- login method; required secondary factors: none). `core_config` is a JSON object of the
-- tenant's configuration overrides.
CREATE TABLE tenants (
    tenant_id                  TEXT   NOT NULL PRIMARY KEY,
    first_factors              TEXT,
    required_secondary_factors TEXT,
    core_config                TEXT   NOT NULL,
    created_at                 BIGINT NOT NULL
);

-- The apps of this core other than `public`, with their configuration overrides (a JSON
-- object). Only the public app's database lists apps; each app keeps its data in a
-- database of its own.
CREATE TABLE apps (
    app_id      TEXT   NOT NULL PRIMARY KEY,
    core_config TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
