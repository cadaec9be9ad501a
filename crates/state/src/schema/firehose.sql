-- Amazon Data Firehose: delivery streams, tags, the durable record buffer and where stream
-- sources stand.
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
);
CREATE UNIQUE INDEX fh_streams_by_name ON fh_streams(account, region, name);

CREATE TABLE fh_tags (
    stream INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT,
    PRIMARY KEY (stream, key)
) WITHOUT ROWID;

-- Accepted records not yet delivered, in arrival order; the Kinesis metadata of records
-- read from a stream source.
CREATE TABLE fh_buffer (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    stream     INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
    arrival_ms INTEGER NOT NULL,
    data       BLOB NOT NULL,
    shard_id   TEXT,
    partition_key TEXT,
    sequence_number TEXT,
    subsequence_number INTEGER,
    approx_arrival_ms INTEGER
);
CREATE INDEX fh_buffer_by_stream ON fh_buffer(stream, id);

-- Where a delivery stream stands in one shard of its source (KinesisStreamAsSource): the
-- next counter to read. Shards without a row start at their beginning (children created
-- after the delivery stream).
CREATE TABLE fh_source_shards (
    stream   INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
    shard    INTEGER NOT NULL,            -- shards.id
    next_seq INTEGER NOT NULL,
    done     INTEGER NOT NULL DEFAULT 0,  -- a closed shard read to its end
    PRIMARY KEY (stream, shard)
) WITHOUT ROWID;
