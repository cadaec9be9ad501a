-- Kinesis Data Streams: streams, shards, records, tags, enhanced fan-out consumers, their
-- tags, resource policies and account settings; the store's own settings (meta).
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

-- Enhanced fan-out consumers.
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

-- Minimum throughput billing commitment per account and region; no row means never enabled.
CREATE TABLE account_settings (
    account          TEXT NOT NULL,
    region           TEXT NOT NULL,
    started_ms       INTEGER NOT NULL,       -- when the current (or last) commitment started
    earliest_end_ms  INTEGER NOT NULL,       -- started_ms + 24 h
    ended_ms         INTEGER,                -- NULL while enabled; the (scheduled) end otherwise
    PRIMARY KEY (account, region)
) WITHOUT ROWID;
