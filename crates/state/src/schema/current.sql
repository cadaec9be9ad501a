-- The schema of a new store: what schema/{kinesis,sqs,firehose,s3,pipes}.sql (version 11)
-- and every migration of db.rs's MIGRATIONS make. Written by the test
-- a_new_store_has_the_layout_the_migrations_make; do not edit.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE streams (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL,            -- CREATING, ACTIVE, UPDATING, DELETING
    status_until   INTEGER NOT NULL,         -- when a transitional status ends (ms)
    mode           TEXT NOT NULL,            -- PROVISIONED or ON_DEMAND
    retention_h    INTEGER NOT NULL,
    created_ms     INTEGER NOT NULL,
    encryption     TEXT NOT NULL DEFAULT 'NONE',
    key_id         TEXT,
    metrics        TEXT NOT NULL DEFAULT '[]',  -- JSON array of shard-level metrics
    max_record_kib INTEGER NOT NULL DEFAULT 1024,
    warm_mibps     INTEGER,
    next_index     INTEGER NOT NULL,            -- index of the next new shard
    -- Records keep the encryption they were written with: the points where the stream's
    -- encryption changed, as a JSON array of [first counter, "KMS" | "NONE"].
    encryption_changes TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX streams_by_name ON streams(account, region, name);
CREATE TABLE shards (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    stream      INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,            -- the number in shardId-000000000000
    start_hash  TEXT NOT NULL,               -- decimal u128
    end_hash    TEXT NOT NULL,
    parent      INTEGER,                     -- idx of the parent
    adj_parent  INTEGER,                     -- idx of the adjacent parent (merge)
    start_seq   INTEGER NOT NULL,            -- counter of the first possible record
    end_seq     INTEGER,                     -- counter of the last record when closed
    created_ms  INTEGER NOT NULL,
    closed_ms   INTEGER
);
CREATE UNIQUE INDEX shards_by_idx ON shards(stream, idx);
CREATE TABLE records (
    shard  INTEGER NOT NULL,                 -- shards.id
    seq    INTEGER NOT NULL,                 -- store-wide counter, increasing
    ts     INTEGER NOT NULL,                 -- arrival (ms), non-decreasing with seq
    pkey   TEXT NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (shard, seq)
) WITHOUT ROWID;
CREATE TABLE stream_tags (
    stream INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (stream, key)
) WITHOUT ROWID;
CREATE TABLE consumers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    stream        INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,          -- the ARN carries created_ms / 1000
    status        TEXT NOT NULL,             -- CREATING (ACTIVE from status_until on) or DELETING
    status_until  INTEGER NOT NULL,          -- when CREATING ends / when a DELETING consumer is gone
    policy        TEXT                       -- resource policy (JSON text), if any
);
CREATE INDEX consumers_by_stream ON consumers(stream, name);
CREATE TABLE consumer_tags (
    consumer INTEGER NOT NULL REFERENCES consumers(id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (consumer, key)
) WITHOUT ROWID;
CREATE TABLE stream_policies (
    stream INTEGER PRIMARY KEY REFERENCES streams(id) ON DELETE CASCADE,
    policy TEXT NOT NULL
);
CREATE TABLE account_settings (
    account          TEXT NOT NULL,
    region           TEXT NOT NULL,
    started_ms       INTEGER NOT NULL,       -- when the current (or last) commitment started
    earliest_end_ms  INTEGER NOT NULL,       -- started_ms + 24 h
    ended_ms         INTEGER,                -- NULL while enabled; the (scheduled) end otherwise
    PRIMARY KEY (account, region)
) WITHOUT ROWID;
CREATE TABLE sqs_queues (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    fifo        INTEGER NOT NULL,
    attributes  TEXT NOT NULL,               -- JSON map of the attributes set explicitly
    tags        TEXT NOT NULL DEFAULT '{}',  -- JSON map
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    purged_ms   INTEGER,                     -- last PurgeQueue
    last_seq    INTEGER NOT NULL DEFAULT 0,  -- FIFO sequence number counter
    UNIQUE (account, region, name)
);
CREATE TABLE sqs_messages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT, -- enqueue order
    queue         INTEGER NOT NULL REFERENCES sqs_queues(id) ON DELETE CASCADE,
    message_id    TEXT NOT NULL,
    body          TEXT NOT NULL,
    attributes    TEXT,                      -- JSON message attributes, if any
    md5_body      TEXT NOT NULL,
    md5_attrs     TEXT,
    trace_header  TEXT,                      -- AWSTraceHeader system attribute
    group_id      TEXT,
    dedup_id      TEXT,
    seq           TEXT,                      -- FIFO sequence number
    sender        TEXT NOT NULL,
    sent_ms       INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL,          -- end of retention
    visible_ms    INTEGER NOT NULL,          -- end of delay or of visibility timeout
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_receive_ms INTEGER,
    receipt       INTEGER NOT NULL DEFAULT 0, -- nonce of the current receipt handle
    dlq_source    TEXT                       -- DeadLetterQueueSourceArn
);
CREATE INDEX sqs_messages_by_queue ON sqs_messages(queue, id);
CREATE INDEX sqs_messages_by_expiry ON sqs_messages(expires_ms);
CREATE INDEX sqs_messages_by_visibility ON sqs_messages(queue, visible_ms);
CREATE INDEX sqs_messages_by_group ON sqs_messages(queue, group_id, id);
CREATE TABLE sqs_dedup (
    queue       INTEGER NOT NULL REFERENCES sqs_queues(id) ON DELETE CASCADE,
    scope       TEXT NOT NULL,               -- '' or the message group (messageGroup scope)
    dedup_id    TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    seq         TEXT,
    md5_attrs   TEXT,
    expires_ms  INTEGER NOT NULL,
    PRIMARY KEY (queue, scope, dedup_id)
) WITHOUT ROWID;
CREATE INDEX sqs_dedup_by_expiry ON sqs_dedup(expires_ms);
CREATE TABLE sqs_receive_attempts (
    queue       INTEGER NOT NULL REFERENCES sqs_queues(id) ON DELETE CASCADE,
    attempt_id  TEXT NOT NULL,
    messages    TEXT NOT NULL,               -- JSON [[row id, receipt nonce], ...]
    expires_ms  INTEGER NOT NULL,
    PRIMARY KEY (queue, attempt_id)
) WITHOUT ROWID;
CREATE INDEX sqs_receive_attempts_by_expiry ON sqs_receive_attempts(expires_ms);
CREATE TABLE sqs_move_tasks (
    handle      TEXT PRIMARY KEY,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    source_arn  TEXT NOT NULL,
    dest_arn    TEXT,
    rate        INTEGER,
    status      TEXT NOT NULL,
    moved       INTEGER NOT NULL DEFAULT 0,
    to_move     INTEGER NOT NULL,
    started_ms  INTEGER NOT NULL,
    failure     TEXT
);
CREATE TABLE sqs_deleted_queues (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    deleted_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
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
    retry_at     INTEGER,                   -- next delivery attempt after a failure (ms)
    -- Delivery runs outside the store thread: the buffer is leased to one batch in flight
    -- at a time.
    lease_id     INTEGER NOT NULL DEFAULT 0, -- +1 per batch taken
    lease_until  INTEGER,                   -- a batch is in flight until then (ms)
    attempts     INTEGER NOT NULL DEFAULT 0, -- failed attempts of the pending batch
    first_attempt_ms INTEGER,               -- first attempt of the pending batch
    retry_last_id INTEGER                   -- last buffer row of a batch to retry as it was
, buf_next_id INTEGER NOT NULL DEFAULT 1);
CREATE UNIQUE INDEX fh_streams_by_name ON fh_streams(account, region, name);
CREATE TABLE fh_tags (
    stream INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT,
    PRIMARY KEY (stream, key)
) WITHOUT ROWID;
CREATE TABLE fh_source_shards (
    stream   INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
    shard    INTEGER NOT NULL,            -- shards.id
    next_seq INTEGER NOT NULL,
    done     INTEGER NOT NULL DEFAULT 0,  -- a closed shard read to its end
    PRIMARY KEY (stream, shard)
) WITHOUT ROWID;
CREATE TABLE s3_buckets (
    name       TEXT PRIMARY KEY,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    created_ms INTEGER NOT NULL
, versioning TEXT) WITHOUT ROWID;
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
, version_id TEXT);
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
CREATE TABLE pipes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    desired      TEXT NOT NULL,            -- RUNNING or STOPPED
    state        TEXT NOT NULL,            -- CREATING, STARTING, STOPPING, UPDATING, DELETING, RUNNING, STOPPED
    state_until  INTEGER NOT NULL,         -- when a transitional state ends (ms)
    state_reason TEXT,
    source       TEXT NOT NULL,            -- source ARN
    target       TEXT NOT NULL,            -- target ARN
    spec         TEXT NOT NULL,            -- JSON: the rest of the definition, as given
    tags         TEXT NOT NULL DEFAULT '{}',
    created_ms   INTEGER NOT NULL,
    modified_ms  INTEGER NOT NULL,
    UNIQUE (account, region, name)
);
CREATE TABLE pipe_shards (
    pipe      INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
    shard     INTEGER NOT NULL,            -- shards.id
    next_seq  INTEGER NOT NULL,
    done      INTEGER NOT NULL DEFAULT 0,  -- a closed shard read and delivered to its end
    attempts  INTEGER NOT NULL DEFAULT 0,  -- failed deliveries of the record at next_seq
    retry_at  INTEGER NOT NULL DEFAULT 0,  -- no delivery before this time (ms)
    PRIMARY KEY (pipe, shard)
) WITHOUT ROWID;
CREATE TABLE iam_docs (
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,  -- 'role' or 'policy'
    name    TEXT NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (account, kind, name)
) WITHOUT ROWID;
CREATE TABLE s3_bucket_config (
    bucket TEXT NOT NULL REFERENCES s3_buckets(name) ON DELETE CASCADE,
    name   TEXT NOT NULL,
    body   BLOB NOT NULL,
    PRIMARY KEY (bucket, name)
) WITHOUT ROWID;
CREATE INDEX sqs_dedup_by_id ON sqs_dedup(queue, dedup_id);
CREATE TABLE kda_apps (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    api INTEGER NOT NULL,                -- 1: kinesisanalytics, 2: kinesisanalyticsv2
    status TEXT NOT NULL,                -- status until status_until
    status_until INTEGER NOT NULL,
    next_status TEXT,                    -- status after status_until (NULL: gone, for DELETING)
    version INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    config TEXT NOT NULL,                -- the application's configuration (JSON)
    tags TEXT NOT NULL DEFAULT '{}',
    run INTEGER NOT NULL DEFAULT 0,      -- bumped by every start: a new run starts fresh
    UNIQUE (account, region, name)
);
CREATE TABLE kda_source_shards (
    app INTEGER NOT NULL,
    shard INTEGER NOT NULL,
    next_seq INTEGER NOT NULL,
    done INTEGER NOT NULL,
    PRIMARY KEY (app, shard)
);
CREATE TABLE kda_state (
    app INTEGER PRIMARY KEY,
    run INTEGER NOT NULL,
    state TEXT NOT NULL
);
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
CREATE TABLE "fh_tap_queue" (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    reader        INTEGER NOT NULL,
    arrival_ms INTEGER NOT NULL,
    data       BLOB NOT NULL
);
CREATE TABLE kda_processed (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    app        INTEGER NOT NULL,
    arrival_ms INTEGER NOT NULL,
    data       BLOB NOT NULL,
    failed     INTEGER NOT NULL
);
CREATE INDEX kda_processed_by_app ON kda_processed(app, id);
CREATE TABLE kda_lambda_outbox (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    app      INTEGER NOT NULL,
    function TEXT NOT NULL,
    data     BLOB NOT NULL,
    retries  INTEGER NOT NULL DEFAULT 0,
    next_ms  INTEGER NOT NULL DEFAULT 0   -- not sent again before (after a failure)
);
CREATE INDEX kda_lambda_outbox_by_app ON kda_lambda_outbox(app, function, id);
CREATE TABLE kda_output_backlog (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    app    INTEGER NOT NULL,
    output TEXT NOT NULL,                -- the output's OutputId
    data   BLOB NOT NULL
);
CREATE INDEX kda_output_backlog_by_app ON kda_output_backlog(app, output, id);
CREATE TABLE fh_taps (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    reader  INTEGER NOT NULL,            -- kda_apps.id (Analytics applications read taps)
    PRIMARY KEY (account, region, name, reader)
) WITHOUT ROWID;
CREATE INDEX fh_taps_by_reader ON fh_taps(reader);
CREATE INDEX fh_tap_queue_by_reader ON fh_tap_queue(reader, id);
CREATE TABLE fh_records (
    stream     INTEGER NOT NULL,           -- fh_streams.id
    id         INTEGER NOT NULL,           -- from fh_streams.buf_next_id, increasing
    arrival_ms INTEGER NOT NULL,
    shard_id   TEXT,
    partition_key TEXT,
    sequence_number TEXT,
    subsequence_number INTEGER,
    approx_arrival_ms INTEGER,
    data       BLOB NOT NULL,
    PRIMARY KEY (stream, id)
) WITHOUT ROWID;
