-- Email verification, user metadata and user roles (PostgreSQL). Times are epoch
-- milliseconds. Names that are listed in order (roles, permissions, user ids) use the "C"
-- collation, so that they sort byte-wise on every server, as on the other backends.
-- Removing a role removes its permissions and every user's assignment of it (foreign keys
-- with ON DELETE CASCADE); an assignment can never name a role that does not exist.

-- Email verification tokens, stored only as SHA-256 hashes; tokens belong to a tenant.
CREATE TABLE emailverification_tokens (
    token_hash TEXT   NOT NULL,
    tenant_id  TEXT   NOT NULL,
    user_id    TEXT   NOT NULL,
    email      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT emailverification_tokens_pkey PRIMARY KEY (token_hash)
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
    user_id  TEXT NOT NULL,
    metadata TEXT NOT NULL,
    CONSTRAINT user_metadata_pkey PRIMARY KEY (user_id)
);

-- Roles and their permissions belong to the app; assignments to users belong to a tenant.
CREATE TABLE roles (
    role TEXT COLLATE "C" NOT NULL,
    CONSTRAINT roles_pkey PRIMARY KEY (role)
);

CREATE TABLE role_permissions (
    role       TEXT COLLATE "C" NOT NULL,
    permission TEXT COLLATE "C" NOT NULL,
    CONSTRAINT role_permissions_pkey PRIMARY KEY (role, permission),
    CONSTRAINT role_permissions_role_fk FOREIGN KEY (role) REFERENCES roles (role)
        ON DELETE CASCADE
);
CREATE INDEX role_permissions_permission_idx ON role_permissions (permission, role);

CREATE TABLE user_roles (
    tenant_id TEXT NOT NULL,
    user_id   TEXT COLLATE "C" NOT NULL,
    role      TEXT COLLATE "C" NOT NULL,
    CONSTRAINT user_roles_pkey PRIMARY KEY (tenant_id, user_id, role),
    CONSTRAINT user_roles_role_fk FOREIGN KEY (role) REFERENCES roles (role)
        ON DELETE CASCADE
);
CREATE INDEX user_roles_role_idx ON user_roles (role, tenant_id, user_id);
CREATE INDEX user_roles_user_idx ON user_roles (user_id);
