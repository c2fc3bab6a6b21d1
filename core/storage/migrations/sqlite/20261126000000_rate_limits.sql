-- Rate-limit counters (SQLite), shared by every core on this database so that they all
-- count together. One row per counter: a `bucket` (what is limited: `sign_in`, `sign_up`,
-- `password_reset`, `passwordless_code`), the tenant, and `key_hash`, a keyed hash
-- (HMAC-SHA256, hex) of the account it counts (an email, a phone number or a user id): the
-- table holds no addresses. What the numbers mean is the engine's business (see its
-- `ratelimit` module); `expires_at` is when the row stops mattering, after which the
-- background cleanup deletes it. Times are epoch milliseconds.

CREATE TABLE rate_limits (
    bucket            TEXT   NOT NULL,
    key_hash          TEXT   NOT NULL,
    tenant_id         TEXT   NOT NULL,
    hits              BIGINT NOT NULL,
    window_started_at BIGINT NOT NULL,
    last_hit_at       BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    CONSTRAINT rate_limits_pkey PRIMARY KEY (bucket, key_hash, tenant_id)
);
CREATE INDEX rate_limits_expires_idx ON rate_limits (expires_at);
CREATE INDEX rate_limits_tenant_idx ON rate_limits (tenant_id);
