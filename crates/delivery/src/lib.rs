//! Firehose delivery work that must not run on the store thread: Lambda-style
//! transforms, dynamic partitioning, compression and the network destinations.
//!
//! The store hands out a batch of buffered records, this crate turns it into an outcome
//! (objects to write, records consumed or a retry), and the store commits that outcome in
//! one transaction. It knows nothing of SQLite or of the HTTP server.
