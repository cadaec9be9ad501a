-- Kinesis Data Analytics applications (both APIs share one table).
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
-- Where a running application stands in each shard of its input stream.
CREATE TABLE kda_source_shards (
    app INTEGER NOT NULL,
    shard INTEGER NOT NULL,
    next_seq INTEGER NOT NULL,
    done INTEGER NOT NULL,
    PRIMARY KEY (app, shard)
);
-- Window state of a running application, committed with the rows it produced.
CREATE TABLE kda_state (
    app INTEGER PRIMARY KEY,
    run INTEGER NOT NULL,
    state TEXT NOT NULL
);
