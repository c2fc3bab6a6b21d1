-- Multitenancy (MySQL / MariaDB): users in several tenants, and the tenants and apps
-- themselves. utf8mb4 with the binary collation, as in the earlier migrations.
--
-- A user now belongs to any number of tenants of its app: `user_tenants` holds one row per
-- (user, tenant) with the login method's recipe, email and phone number, and carries the
-- per-tenant uniqueness of emails and phone numbers (per recipe) that `users` used to carry.
-- `users` loses its tenant column and its unique keys. The widest index key, the email
-- key, is (64 + 64 + 255) * 4 = 1532 bytes.

CREATE TABLE user_tenants (
    user_id      VARCHAR(128) NOT NULL,
    tenant_id    VARCHAR(64)  NOT NULL,
    recipe_id    VARCHAR(64)  NOT NULL,
    email        VARCHAR(255) NULL,
    phone_number VARCHAR(64)  NULL,
    PRIMARY KEY (user_id, tenant_id),
    UNIQUE KEY user_tenants_email_uq (tenant_id, recipe_id, email),
    UNIQUE KEY user_tenants_phone_uq (tenant_id, recipe_id, phone_number),
    KEY user_tenants_tenant_email_idx (tenant_id, email),
    KEY user_tenants_tenant_phone_idx (tenant_id, phone_number)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT INTO user_tenants (user_id, tenant_id, recipe_id, email, phone_number)
    SELECT user_id, tenant_id, recipe_id, email, phone_number FROM users;

ALTER TABLE users DROP INDEX users_email_uq, DROP INDEX users_phone_uq, DROP COLUMN tenant_id;

-- Tenants of the app other than `public` (which always exists; it has a row only once it
-- is configured). Factor lists are JSON arrays; NULL means "not set" (first factors: every
-- login method; required secondary factors: none). `core_config` is a JSON object of the
-- tenant's configuration overrides.
CREATE TABLE tenants (
    tenant_id                  VARCHAR(64) NOT NULL,
    first_factors              TEXT        NULL,
    required_secondary_factors TEXT        NULL,
    core_config                TEXT        NOT NULL,
    created_at                 BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The apps of this core other than `public`, with their configuration overrides (a JSON
-- object). Only the public app's database lists apps; each app keeps its data in a
-- database of its own.
CREATE TABLE apps (
    app_id      VARCHAR(64) NOT NULL,
    core_config TEXT        NOT NULL,
    created_at  BIGINT      NOT NULL,
    PRIMARY KEY (app_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
