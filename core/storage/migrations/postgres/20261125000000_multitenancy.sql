-- Multitenancy (PostgreSQL): users in several tenants, and the tenants and apps themselves.
--
-- A user now belongs to any number of tenants of its app: `user_tenants` holds one row per
-- (user, tenant) with the login method's recipe, email and phone number, and carries the
-- per-tenant uniqueness of emails and phone numbers (per recipe) that `users` used to carry.
-- `users` loses its tenant column and its unique keys. Ids use the "C" collation, as in the
-- earlier migrations.

CREATE TABLE user_tenants (
    user_id      TEXT COLLATE "C" NOT NULL,
    tenant_id    TEXT COLLATE "C" NOT NULL,
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

ALTER TABLE users DROP CONSTRAINT users_email_uq;
ALTER TABLE users DROP CONSTRAINT users_phone_uq;
ALTER TABLE users DROP COLUMN tenant_id;

-- Tenants of the app other than `public` (which always exists; it has a row only once it
-- is configured). Factor lists are JSON arrays; NULL means "not set" (first factors: every
-- login method; required secondary factors: none). `core_config` is a JSON object of the
-- tenant's configuration overrides.
CREATE TABLE tenants (
    tenant_id                  TEXT COLLATE "C" NOT NULL,
    first_factors              TEXT,
    required_secondary_factors TEXT,
    core_config                TEXT   NOT NULL,
    created_at                 BIGINT NOT NULL,
    CONSTRAINT tenants_pkey PRIMARY KEY (tenant_id)
);

-- The apps of this core other than `public`, with their configuration overrides (a JSON
-- object). Only the public app's schema lists apps; each app keeps its data in a schema
-- of its own.
CREATE TABLE apps (
    app_id      TEXT COLLATE "C" NOT NULL,
    core_config TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT apps_pkey PRIMARY KEY (app_id)
);
