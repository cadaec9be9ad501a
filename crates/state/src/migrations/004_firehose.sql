-- Amazon Data Firehose: delivery streams, tags, the durable record buffer; the S3 surface.
CREATE TABLE fh_streams (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    type         TEXT NOT NULL,             -- DirectPut, KinesisStreamAsSource, ...
    status       TEXT NOT NULL,             -- CREATING, ACTIVE, DELETING
    status_until INTEGER NOT NULL,          -- when a transitional status ends (ms)
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER,
    version      INTEGER NOT NULL,          -- VersionId, +1 per UpdateDestination
    dest_kind    TEXT NOT NULL,             -- ExtendedS3
    dest         TEXT NOT NULL,             -- JSON: the destination description, defaults filled in
    source       TEXT,                      -- JSON: the source description
    encryption   TEXT,                      -- JSON: DeliveryStreamEncryptionConfiguration
    buf_bytes    INTEGER NOT NULL DEFAULT 0, -- bytes buffered
    buf_first_ms INTEGER,                   -- arrival of the oldest buffered record
    retry_at     INTEGER                    -- next delivery attempt after a failure (ms)
);
CREATE UNIQUE INDEX fh_streams_by_name ON fh_streams(account, region, name);

CREATE TABLE fh_tags (
    stream INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT,
    PRIMARY KEY (stream, key)
) WITHOUT ROWID;

-- Accepted records not yet delivered, in arrival order.
CREATE TABLE fh_buffer (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    stream     INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
    arrival_ms INTEGER NOT NULL,
    data       BLOB NOT NULL
);
CREATE INDEX fh_buffer_by_stream ON fh_buffer(stream, id);

CREATE TABLE s3_buckets (
    name       TEXT PRIMARY KEY,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    created_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE s3_objects (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket       TEXT NOT NULL REFERENCES s3_buckets(name) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    data         BLOB NOT NULL,
    etag         TEXT NOT NULL,             -- hex MD5, unquoted
    content_type TEXT,
    modified_ms  INTEGER NOT NULL
);
CREATE UNIQUE INDEX s3_objects_by_key ON s3_objects(bucket, key);
