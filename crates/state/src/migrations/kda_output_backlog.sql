-- Kinesis Data Analytics output rows a destination did not take (a stream or delivery stream
-- deleted after the start, or not ACTIVE), per application and output in emission order,
-- until the destination takes them (see analytics/backlog.rs for the cap).
CREATE TABLE kda_output_backlog (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    app    INTEGER NOT NULL,
    output TEXT NOT NULL,                -- the output's OutputId
    data   BLOB NOT NULL
);
CREATE INDEX kda_output_backlog_by_app ON kda_output_backlog(app, output, id);
