-- Kinesis Data Analytics queues. Applications reading a Firehose delivery stream
-- (KinesisFirehoseInput): the delivery streams tapped while the application runs,
CREATE TABLE kda_firehose_taps (
    stream INTEGER NOT NULL,             -- fh_streams.id
    app    INTEGER NOT NULL,             -- kda_apps.id
    PRIMARY KEY (stream, app)
) WITHOUT ROWID;
-- and the records that reached a tapped delivery stream, until the application reads them.
CREATE TABLE kda_firehose_feed (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    app        INTEGER NOT NULL,
    arrival_ms INTEGER NOT NULL,
    data       BLOB NOT NULL
);
CREATE INDEX kda_firehose_feed_by_app ON kda_firehose_feed(app, id);
-- Input records an application's processing function returned (InputProcessingConfiguration),
-- until the application reads them; `failed`: ProcessingFailed, for error_stream.
CREATE TABLE kda_processed (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    app        INTEGER NOT NULL,
    arrival_ms INTEGER NOT NULL,
    data       BLOB NOT NULL,
    failed     INTEGER NOT NULL
);
CREATE INDEX kda_processed_by_app ON kda_processed(app, id);
-- Output rows for function destinations (LambdaOutput), until the function takes them.
CREATE TABLE kda_lambda_outbox (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    app      INTEGER NOT NULL,
    function TEXT NOT NULL,
    data     BLOB NOT NULL,
    retries  INTEGER NOT NULL DEFAULT 0,
    next_ms  INTEGER NOT NULL DEFAULT 0   -- not sent again before (after a failure)
);
CREATE INDEX kda_lambda_outbox_by_app ON kda_lambda_outbox(app, function, id);
