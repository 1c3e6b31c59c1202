-- Administration: disabled customers, the users Signet invited, the trail of every
-- admin action, and the admin API's own least-privilege role.

-- A disabled customer keeps its data and rules, but nothing is signed for it.
ALTER TABLE customers ADD COLUMN disabled boolean NOT NULL DEFAULT false;

-- Users invited through the admin API (Cognito holds the sign-in; this is the list of
-- who belongs to which customer, which Cognito cannot filter by custom attributes).
CREATE TABLE users (
    username    text PRIMARY KEY CHECK (length(username) BETWEEN 1 AND 128),
    email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    customer_id text NOT NULL REFERENCES customers (id),
    roles       text[] NOT NULL DEFAULT '{}',
    disabled    boolean NOT NULL DEFAULT false,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, email)
);

-- Every admin action: who, what, on which customer, when.
CREATE TABLE admin_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    subject     text NOT NULL,
    customer_id text,
    action      text NOT NULL,
    target      text NOT NULL,
    request_id  text NOT NULL
);
CREATE INDEX admin_events_customer_at ON admin_events (customer_id, at DESC);

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'signet_admin_app') THEN
        CREATE ROLE signet_admin_app LOGIN;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO signet_admin_app;
    END IF;
END $$;
-- Write rights only on customers, rules, users and the admin trail; the file audit is
-- read-only to it, and it cannot touch files.
GRANT SELECT, INSERT ON customers TO signet_admin_app;
GRANT UPDATE (display_name, disabled) ON customers TO signet_admin_app;
GRANT SELECT, INSERT, UPDATE (actions), DELETE ON access_rules TO signet_admin_app;
GRANT SELECT, INSERT, UPDATE (roles, disabled), DELETE ON users TO signet_admin_app;
GRANT SELECT ON audit_events TO signet_admin_app;
GRANT SELECT, INSERT ON admin_events TO signet_admin_app;
