-- S3 bucket settings (tagging, versioning, encryption, public access block, ownership controls,
-- ACL, policy, lifecycle, CORS, notification): the document last PUT, by subresource name.
-- An empty document records a DELETE of a setting that has a default (so GET answers "none").
CREATE TABLE s3_bucket_config (
    bucket TEXT NOT NULL REFERENCES s3_buckets(name) ON DELETE CASCADE,
    name   TEXT NOT NULL,
    body   BLOB NOT NULL,
    PRIMARY KEY (bucket, name)
) WITHOUT ROWID;
