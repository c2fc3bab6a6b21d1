-- Email verification, user metadata and user roles (MySQL / MariaDB). Times are epoch
-- milliseconds. utf8mb4 with the binary collation, as in the initial schema: comparisons
-- and ordering are exact (byte-wise). Lengths match the users table (user ids 128, emails
-- 255 characters); the widest index key, user_roles' primary key, is
-- (64 + 128 + 255) * 4 = 1788 bytes. Removing a role removes its permissions and every
-- user's assignment of it (InnoDB foreign keys with ON DELETE CASCADE).

-- Email verification tokens, stored only as SHA-256 hashes; tokens belong to a tenant.
CREATE TABLE emailverification_tokens (
    token_hash VARCHAR(128) NOT NULL,
    tenant_id  VARCHAR(64)  NOT NULL,
    user_id    VARCHAR(128) NOT NULL,
    email      VARCHAR(255) NOT NULL,
    expires_at BIGINT       NOT NULL,
    PRIMARY KEY (token_hash),
    KEY emailverification_tokens_pair_idx (user_id, email, tenant_id),
    KEY emailverification_tokens_expires_idx (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Verified (user, email) pairs; app-wide, not per tenant.
CREATE TABLE emailverification_verified_emails (
    user_id VARCHAR(128) NOT NULL,
    email   VARCHAR(255) NOT NULL,
    PRIMARY KEY (user_id, email)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A passwordless user with an email proved it owns the inbox by consuming a code.
INSERT INTO emailverification_verified_emails (user_id, email)
    SELECT user_id, email FROM users
    WHERE recipe_id = 'passwordless' AND email IS NOT NULL;

-- One JSON object per user.
CREATE TABLE user_metadata (
    user_id  VARCHAR(128) NOT NULL,
    metadata MEDIUMTEXT   NOT NULL,
    PRIMARY KEY (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Roles and their permissions belong to the app; assignments to users belong to a tenant.
CREATE TABLE roles (
    role VARCHAR(255) NOT NULL,
    PRIMARY KEY (role)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE role_permissions (
    role       VARCHAR(255) NOT NULL,
    permission VARCHAR(255) NOT NULL,
    PRIMARY KEY (role, permission),
    KEY role_permissions_permission_idx (permission, role),
    CONSTRAINT role_permissions_role_fk FOREIGN KEY (role) REFERENCES roles (role)
        ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE user_roles (
    tenant_id VARCHAR(64)  NOT NULL,
    user_id   VARCHAR(128) NOT NULL,
    role      VARCHAR(255) NOT NULL,
    PRIMARY KEY (tenant_id, user_id, role),
    KEY user_roles_role_idx (role, tenant_id, user_id),
    KEY user_roles_user_idx (user_id),
    CONSTRAINT user_roles_role_fk FOREIGN KEY (role) REFERENCES roles (role)
        ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
