-- EventBridge Pipes: pipe definitions and the per-shard checkpoints of their sources.

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

-- Where a pipe stands in one shard of its Kinesis source: the next counter to deliver.
CREATE TABLE pipe_shards (
    pipe      INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
    shard     INTEGER NOT NULL,            -- shards.id
    next_seq  INTEGER NOT NULL,
    done      INTEGER NOT NULL DEFAULT 0,  -- a closed shard read and delivered to its end
    attempts  INTEGER NOT NULL DEFAULT 0,  -- failed deliveries of the record at next_seq
    retry_at  INTEGER NOT NULL DEFAULT 0,  -- no delivery before this time (ms)
    PRIMARY KEY (pipe, shard)
) WITHOUT ROWID;
