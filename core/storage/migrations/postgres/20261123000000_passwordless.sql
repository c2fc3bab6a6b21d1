-- Passwordless devices and codes (PostgreSQL). Times are epoch milliseconds.
-- Ids use the "C" collation so that devices and codes sort byte-wise on every server.
-- A device's codes are deleted explicitly together with the device (no foreign key).

CREATE TABLE passwordless_devices (
    device_id_hash  TEXT COLLATE "C" NOT NULL,
    tenant_id       TEXT    NOT NULL,
    email           TEXT,
    phone_number    TEXT,
    link_code_salt  TEXT    NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT passwordless_devices_pkey PRIMARY KEY (device_id_hash)
);
CREATE INDEX passwordless_devices_email_idx ON passwordless_devices (tenant_id, email);
CREATE INDEX passwordless_devices_phone_idx ON passwordless_devices (tenant_id, phone_number);

CREATE TABLE passwordless_codes (
    code_id        TEXT COLLATE "C" NOT NULL,
    device_id_hash TEXT COLLATE "C" NOT NULL,
    link_code_hash TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    CONSTRAINT passwordless_codes_pkey PRIMARY KEY (code_id),
    CONSTRAINT passwordless_codes_link_uq UNIQUE (link_code_hash)
);
CREATE INDEX passwordless_codes_device_idx ON passwordless_codes (device_id_hash, created_at);
CREATE INDEX passwordless_codes_created_idx ON passwordless_codes (created_at);
