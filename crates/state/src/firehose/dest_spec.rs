//! What each destination kind fixes (its `SPEC`), apart from the kinds themselves so that
//! their files do not import `dest_kind`, which imports them.

/// What is fixed per kind: buffering defaults, retry default, backup mode default.
pub struct Spec {
    /// Default (`SizeInMBs`, `IntervalInSeconds`) of the top-level `BufferingHints`; `None`
    /// when the kind has none (Redshift buffers by its S3 configuration's hints).
    pub hints: Option<(u64, u64)>,
    /// Default `RetryOptions.DurationInSeconds`.
    pub retry_s: u64,
    /// Default `S3BackupMode`.
    pub backup_mode: &'static str,
}
