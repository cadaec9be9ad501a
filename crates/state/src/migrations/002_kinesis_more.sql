-- Kinesis Data Streams: enhanced fan-out consumers, their tags, resource policies and
-- account settings.
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
