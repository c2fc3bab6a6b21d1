-- Email verification, user metadata and user roles (SQLite). Times are epoch milliseconds.
-- SQLite compares and orders text byte-wise (BINARY collation), as the other backends do.
-- Foreign keys are enforced (every connection turns them on): removing a role removes its
-- permissions and every user's assignment of it.

-- Email verification tokens, stored only as SHA-256 hashes; tokens belong to a tenant.
CREATE TABLE emailverification_tokens (
    token_hash TEXT   NOT NULL PRIMARY KEY,
    tenant_id  TEXT   NOT NULL,
    user_id    TEXT   NOT NULL,
    email      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX emailverification_tokens_pair_idx
    ON emailverification_tokens (user_id, email, tenant_id);
CREATE INDEX emailverification_tokens_expires_idx ON emailverification_tokens (expires_at);

-- Verified (user, email) pairs; app-wide, not per tenant.
CREATE TABLE emailverification_verified_emails (
    user_id TEXT NOT NULL,
    email   TEXT NOT NULL,
    CONSTRAINT emailverification_verified_emails_pkey PRIMARY KEY (user_id, email)
);

-- A passwordless user with an email proved it owns the inbox by consuming a code.
INSERT INTO emailverification_verified_emails (user_id, email)
    SELECT user_id, email FROM users
    WHERE recipe_id = 'passwordless' AND email IS NOT NULL;

-- One JSON object per user.
CREATE TABLE user_metadata (
    user_id  TEXT NOT NULL PRIMARY KEY,
    metadata TEXT NOT NULL
);

-- Roles and their permissions belong to the app; assignments to users belong to a tenant.
CREATE TABLE roles (
    role TEXT NOT NULL PRIMARY KEY
);

CREATE TABLE role_permissions (
    role       TEXT NOT NULL,
    permission TEXT NOT NULL,
    CONSTRAINT role_permissions_pkey PRIMARY KEY (role, permission),
    CONSTRAINT role_permissions_role_fk FOREIGN KEY (role) REFERENCES roles (role)
        ON DELETE CASCADE
);
CREATE INDEX role_permissions_permission_idx ON role_permissions (permission, role);

CREATE TABLE user_roles (
    tenant_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL,
    CONSTRAINT user_roles_pkey PRIMARY KEY (tenant_id, user_id, role),
    CONSTRAINT user_roles_role_fk FOREIGN KEY (role) REFERENCES roles (role)
        ON DELETE CASCADE
);
CREATE INDEX user_roles_role_idx ON user_roles (role, tenant_id, user_id);
CREATE INDEX user_roles_user_idx ON user_roles (user_id);
