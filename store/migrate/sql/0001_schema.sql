-- Signet metadata: customers, their files, who may do what, and every URL issued.
CREATE TABLE customers (
    id           text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    -- Where the customer's files live in the bucket; canonical, unique, never nested
    -- in another customer's prefix (checked by the trigger below).
    s3_prefix    text NOT NULL UNIQUE CHECK (s3_prefix ~ '^[A-Za-z0-9!_.''()-]+(/[A-Za-z0-9!_.''()-]+)*$'),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION customers_prefix_disjoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM customers c
               WHERE c.id <> NEW.id
                 AND (starts_with(NEW.s3_prefix || '/', c.s3_prefix || '/')
                      OR starts_with(c.s3_prefix || '/', NEW.s3_prefix || '/'))) THEN
        RAISE EXCEPTION 'prefix % overlaps another customer''s prefix', NEW.s3_prefix USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER customers_prefix_disjoint BEFORE INSERT OR UPDATE OF s3_prefix ON customers
    FOR EACH ROW EXECUTE FUNCTION customers_prefix_disjoint();

CREATE TYPE file_status AS ENUM ('pending', 'available', 'deleted');

CREATE TABLE files (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id     text NOT NULL REFERENCES customers (id),
    -- Relative to the customer's prefix; canonical (see signing.CanonicalPath).
    path            text NOT NULL CHECK (path ~ '^[A-Za-z0-9!_.''()-]+(/[A-Za-z0-9!_.''()-]+)*$' AND length(path) <= 1024),
    content_type    text NOT NULL,
    size_bytes      bigint NOT NULL CHECK (size_bytes >= 0),
    checksum_sha256 text NOT NULL,
    status          file_status NOT NULL DEFAULT 'pending',
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, path)
);
-- Listing walks (customer, path) in order: the unique index above serves it.

CREATE TYPE access_action AS ENUM ('read', 'write', 'delete');

CREATE TABLE access_rules (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id text NOT NULL REFERENCES customers (id),
    -- '' covers the whole customer; 'a/b/' (trailing slash) a folder; 'a/b.pdf' one file.
    path_prefix text NOT NULL CHECK (path_prefix = '' OR path_prefix ~ '^[A-Za-z0-9!_.''()-]+(/[A-Za-z0-9!_.''()-]+)*/?$'),
    -- A Cognito group.
    role        text NOT NULL CHECK (length(role) BETWEEN 1 AND 128),
    actions     access_action[] NOT NULL CHECK (cardinality(actions) > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, path_prefix, role)
);
CREATE INDEX access_rules_customer_role ON access_rules (customer_id, role);

CREATE TABLE audit_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    subject        text NOT NULL,
    customer_id    text NOT NULL REFERENCES customers (id),
    file_path      text NOT NULL,
    action         access_action NOT NULL,
    expires_at     timestamptz NOT NULL,
    ip_restriction cidr,
    request_id     text NOT NULL
);
CREATE INDEX audit_events_customer_at ON audit_events (customer_id, at DESC);
CREATE INDEX audit_events_subject_at ON audit_events (subject, at DESC);
