-- Initial schema of the core (MySQL / MariaDB). Times are epoch milliseconds.
-- Every table uses utf8mb4 with the binary collation: comparisons and ordering are exact
-- (callers lower-case emails), and they match the other backends. Indexed columns are
-- VARCHARs short enough to keep every index key under 3072 bytes.

CREATE TABLE users (
    user_id       VARCHAR(128) NOT NULL,
    recipe_id     VARCHAR(64)  NOT NULL,
    tenant_id     VARCHAR(64)  NOT NULL,
    email         VARCHAR(255) NULL,
    phone_number  VARCHAR(64)  NULL,
    password_hash TEXT         NULL,
    time_joined   BIGINT       NOT NULL,
    PRIMARY KEY (user_id),
    UNIQUE KEY users_email_uq (tenant_id, recipe_id, email),
    UNIQUE KEY users_phone_uq (tenant_id, recipe_id, phone_number),
    KEY users_time_joined_idx (time_joined, user_id),
    KEY users_email_idx (email),
    KEY users_phone_idx (phone_number)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE password_reset_tokens (
    token_hash VARCHAR(128) NOT NULL,
    user_id    VARCHAR(128) NOT NULL,
    email      VARCHAR(255) NOT NULL,
    expires_at BIGINT       NOT NULL,
    PRIMARY KEY (token_hash),
    KEY password_reset_tokens_user_idx (user_id),
    KEY password_reset_tokens_expires_idx (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE sessions (
    session_handle       VARCHAR(255) NOT NULL,
    user_id              VARCHAR(128) NOT NULL,
    recipe_user_id       VARCHAR(128) NOT NULL,
    tenant_id            VARCHAR(64)  NOT NULL,
    refresh_token_hash_2 VARCHAR(128) NOT NULL,
    session_data         MEDIUMTEXT   NOT NULL,
    jwt_payload          MEDIUMTEXT   NOT NULL,
    expires_at           BIGINT       NOT NULL,
    created_at           BIGINT       NOT NULL,
    use_static_key       BOOLEAN      NOT NULL,
    PRIMARY KEY (session_handle),
    KEY sessions_user_idx (user_id),
    KEY sessions_recipe_user_idx (recipe_user_id),
    KEY sessions_expires_idx (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE signing_keys (
    kid             VARCHAR(128) NOT NULL,
    kind            VARCHAR(16)  NOT NULL,
    generation      BIGINT       NOT NULL,
    algorithm       VARCHAR(16)  NOT NULL,
    private_key_pem TEXT         NOT NULL,
    created_at      BIGINT       NOT NULL,
    PRIMARY KEY (kid),
    UNIQUE KEY signing_keys_generation_uq (kind, generation)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE secrets (
    name  VARCHAR(128) NOT NULL,
    value TEXT         NOT NULL,
    PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
