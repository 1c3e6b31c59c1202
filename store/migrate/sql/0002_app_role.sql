-- The application role the signer connects as, with IAM authentication on Aurora
-- (rds_iam exists there; on a plain PostgreSQL the grant is skipped). Least privilege:
-- read customers and rules, record files, append to the audit.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'signet_app') THEN
        CREATE ROLE signet_app LOGIN;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO signet_app;
    END IF;
END $$;
GRANT SELECT ON customers, access_rules TO signet_app;
GRANT SELECT, INSERT, UPDATE (status, content_type, size_bytes, checksum_sha256, created_by, updated_at) ON files TO signet_app;
GRANT INSERT ON audit_events TO signet_app;
