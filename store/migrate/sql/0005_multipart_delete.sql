-- Multipart uploads (CRC-64/NVME, FULL_OBJECT), deletes, and which event an audit row
-- records.

-- A file is either a single upload, with the SHA-256 the client declared, or a
-- multipart upload, with its part size, its S3 upload id and, once complete, the
-- CRC-64/NVME S3 verified. hold_until is how long a pending upload holds its path
-- against other users (NULL once it is no longer pending; a pending row written
-- before this migration holds it for 15 minutes from updated_at).
ALTER TABLE files
    ALTER COLUMN checksum_sha256 DROP NOT NULL,
    ADD COLUMN upload_id text CHECK (upload_id ~ '^[\x21-\x7e]+$' AND length(upload_id) <= 1024),
    ADD COLUMN part_size bigint CHECK (part_size BETWEEN 5242880 AND 5368709120),
    ADD COLUMN checksum_crc64nvme text CHECK (checksum_crc64nvme ~ '^[A-Za-z0-9+/]{11}=$'),
    ADD COLUMN hold_until timestamptz,
    ADD CONSTRAINT files_single_or_multipart CHECK ((checksum_sha256 IS NULL) = (part_size IS NOT NULL)),
    ADD CONSTRAINT files_multipart_upload_id CHECK ((part_size IS NULL) = (upload_id IS NULL)),
    ADD CONSTRAINT files_multipart_size CHECK (part_size IS NULL OR (size_bytes BETWEEN 1 AND 5497558138880 AND size_bytes <= part_size * 10000));

-- The event an access audit row records beyond its action: NULL for a URL, cookie
-- set or single upload issued (as before), else e.g. 'multipart.create',
-- 'multipart.complete', 'multipart.abort', 'delete', 'download.s3'.
ALTER TABLE audit_events ADD COLUMN event text CHECK (event ~ '^[a-z][a-z0-9.-]{0,39}$');

GRANT UPDATE (upload_id, part_size, checksum_crc64nvme, hold_until) ON files TO signet_app;
