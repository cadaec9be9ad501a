//! Store-level tests of applications: statuses, versions, the runner over Kinesis.
