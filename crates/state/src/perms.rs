//! Owner-only permissions for a durable store: the data directory kinesin creates is 0700,
//! the database file (and so its `-wal`/`-shm` companions, which SQLite creates with the
//! database file's mode) 0600.

use std::path::{Path, PathBuf};

/// Creates `dir` (0700 when kinesin creates it) and the database file in it (0600); an
/// existing database file is narrowed to 0600 too. Returns the database file's path.
pub fn prepare(dir: &Path) -> std::io::Result<PathBuf> {
    let file = dir.join("kinesin.sqlite3");
    if !dir.exists() {
        create_dir_private(dir)?;
    }
    create_file_private(&file)?;
    Ok(file)
}

#[cfg(unix)]
fn create_dir_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_dir_private(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_file_private(file: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(file)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn create_file_private(file: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new().create(true).append(true).open(file).map(drop)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn owner_only() {
        let base = std::env::temp_dir().join(format!("kinesin-perms-{}", fastrand::u64(..)));
        let dir = base.join("data");
        let file = super::prepare(&dir).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::prepare(&dir).unwrap();
        assert_eq!(mode(&file), 0o600);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
