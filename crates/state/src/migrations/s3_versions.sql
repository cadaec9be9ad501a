-- S3 object versions. A bucket's versioning status (NULL: never configured, 'Enabled' or
-- 'Suspended'); `s3_objects` keeps the current version of each key (its version id, NULL for
-- the "null" version); `s3_versions` the noncurrent versions and the delete markers, in the
-- order they were superseded or made (`id`), so a key's newest entry has the highest id.
ALTER TABLE s3_buckets ADD COLUMN versioning TEXT;
ALTER TABLE s3_objects ADD COLUMN version_id TEXT;
CREATE TABLE s3_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket       TEXT NOT NULL REFERENCES s3_buckets(name) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    version_id   TEXT NOT NULL,             -- 'null' for the null version
    marker       INTEGER NOT NULL,          -- 1: a delete marker (no data)
    data         BLOB,
    etag         TEXT,
    content_type TEXT,
    modified_ms  INTEGER NOT NULL,
    part_sizes   TEXT
);
CREATE UNIQUE INDEX s3_versions_by_id ON s3_versions(bucket, key, version_id);
CREATE INDEX s3_versions_by_key ON s3_versions(bucket, key, id);
-- Buckets whose versioning was configured before versions were kept take the status of
-- their stored PutBucketVersioning document.
UPDATE s3_buckets SET versioning = (
    SELECT CASE
        WHEN CAST(body AS TEXT) LIKE '%<Status>Enabled</Status>%' THEN 'Enabled'
        WHEN CAST(body AS TEXT) LIKE '%<Status>Suspended</Status>%' THEN 'Suspended'
    END
    FROM s3_bucket_config c WHERE c.bucket = s3_buckets.name AND c.name = 'versioning');
