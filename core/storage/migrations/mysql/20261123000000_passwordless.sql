-- Passwordless devices and codes (MySQL / MariaDB). Times are epoch milliseconds.
-- utf8mb4 with the binary collation, as in the initial schema: comparisons and ordering
-- are exact. The widest index key, (tenant_id, email), is (64 + 255) * 4 = 1276 bytes.
-- A device's codes are deleted explicitly together with the device (no foreign key).

CREATE TABLE passwordless_devices (
    device_id_hash  VARCHAR(128) NOT NULL,
    tenant_id       VARCHAR(64)  NOT NULL,
    email           VARCHAR(255) NULL,
    phone_number    VARCHAR(64)  NULL,
    link_code_salt  VARCHAR(255) NOT NULL,
    failed_attempts INT          NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id_hash),
    KEY passwordless_devices_email_idx (tenant_id, email),
    KEY passwordless_devices_phone_idx (tenant_id, phone_number)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE passwordless_codes (
    code_id        VARCHAR(128) NOT NULL,
    device_id_hash VARCHAR(128) NOT NULL,
    link_code_hash VARCHAR(128) NOT NULL,
    created_at     BIGINT       NOT NULL,
    PRIMARY KEY (code_id),
    UNIQUE KEY passwordless_codes_link_uq (link_code_hash),
    KEY passwordless_codes_device_idx (device_id_hash, created_at),
    KEY passwordless_codes_created_idx (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
