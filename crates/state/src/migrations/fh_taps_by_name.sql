-- Firehose taps name their delivery stream (account, region, name) rather than its id, so a
-- reader that names a stream not created yet gets its records from the stream's creation on,
-- without the creation asking who reads it; the tapped records' queue moves to Firehose's names.
CREATE TABLE fh_taps (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    reader  INTEGER NOT NULL,            -- kda_apps.id (Analytics applications read taps)
    PRIMARY KEY (account, region, name, reader)
) WITHOUT ROWID;
CREATE INDEX fh_taps_by_reader ON fh_taps(reader);
INSERT INTO fh_taps(account, region, name, reader)
    SELECT s.account, s.region, s.name, t.app FROM kda_firehose_taps t JOIN fh_streams s ON s.id = t.stream;
DROP TABLE kda_firehose_taps;
DROP INDEX kda_firehose_feed_by_app;
ALTER TABLE kda_firehose_feed RENAME TO fh_tap_queue;
ALTER TABLE fh_tap_queue RENAME COLUMN app TO reader;
CREATE INDEX fh_tap_queue_by_reader ON fh_tap_queue(reader, id);
