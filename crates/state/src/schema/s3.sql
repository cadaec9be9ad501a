-- The S3 surface (Firehose's destination buckets): buckets, objects, multipart uploads in
-- progress and their parts.
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
    modified_ms  INTEGER NOT NULL,
    -- Part sizes of an object made by CompleteMultipartUpload ("5242880,1024"), NULL
    -- otherwise: GetObject/HeadObject with partNumber.
    part_sizes   TEXT
);
CREATE UNIQUE INDEX s3_objects_by_key ON s3_objects(bucket, key);

CREATE TABLE s3_uploads (
    id           TEXT PRIMARY KEY,          -- UploadId
    bucket       TEXT NOT NULL REFERENCES s3_buckets(name) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    content_type TEXT,
    initiated_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX s3_uploads_by_key ON s3_uploads(bucket, key, id);

CREATE TABLE s3_parts (
    upload      TEXT NOT NULL REFERENCES s3_uploads(id) ON DELETE CASCADE,
    part        INTEGER NOT NULL,           -- PartNumber 1-10000
    data        BLOB NOT NULL,
    etag        TEXT NOT NULL,              -- hex MD5, unquoted
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (upload, part)
) WITHOUT ROWID;
