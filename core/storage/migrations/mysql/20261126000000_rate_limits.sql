-- Rate-limit counters (MySQL / MariaDB), shared by every core on this database so that they
-- all count together. One row per counter: a `bucket` (what is limited: `sign_in`,
-- `sign_up`, `password_reset`, `passwordless_code`), the tenant, and `key_hash`, a keyed
-- hash (HMAC-SHA256, hex) of the account it counts (an email, a phone number or a user id):
-- the table holds no addresses. What the numbers mean is the engine's business (see its
-- `ratelimit` module); `expires_at` is when the row stops mattering, after which the
-- background cleanup deletes it. Times are epoch milliseconds. utf8mb4 with the binary
-- collation, as in the earlier migrations; the primary key is (32 + 64 + 64) * 4 = 640
-- bytes.

CREATE TABLE rate_limits (
    bucket            VARCHAR(32) NOT NULL,
    key_hash          VARCHAR(64) NOT NULL,
    tenant_id         VARCHAR(64) NOT NULL,
    hits              BIGINT      NOT NULL,
    window_started_at BIGINT      NOT NULL,
    last_hit_at       BIGINT      NOT NULL,
    expires_at        BIGINT      NOT NULL,
    PRIMARY KEY (bucket, key_hash, tenant_id),
    KEY rate_limits_expires_idx (expires_at),
    KEY rate_limits_tenant_idx (tenant_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
