//! Region and credentials "the usual way": environment variables first, then the shared
//! credentials and config files of the selected profile (`AWS_PROFILE`, else `default`).

use std::collections::HashMap;
use std::path::PathBuf;

/// An access key pair, with the session token of temporary credentials.
#[derive(Debug, Clone)]
pub struct Keys {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_key: String,
    /// `AWS_SESSION_TOKEN`, if any.
    pub session_token: Option<String>,
}

/// Keys used against a local endpoint when none are configured (kinesin accepts any).
fn local_default() -> Keys {
    Keys { access_key: "test".into(), secret_key: "test".into(), session_token: None }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn home_file(var: &str, rel: &str) -> Option<PathBuf> {
    env(var).map(PathBuf::from).or_else(|| env("HOME").map(|h| PathBuf::from(h).join(rel)))
}

/// The profile's key/value pairs in an INI-style AWS file. In the config file a profile's
/// section is `[profile NAME]` (`[default]` for the default one).
fn section(path: Option<PathBuf>, profile: &str, config_file: bool) -> HashMap<String, String> {
    let Some(text) = path.and_then(|p| std::fs::read_to_string(p).ok()) else { return HashMap::new() };
    let wanted = if config_file && profile != "default" { format!("profile {profile}") } else { profile.to_string() };
    let mut out = HashMap::new();
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == wanted;
        } else if let (true, Some((k, v))) = (inside, line.split_once('=')) {
            out.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    out
}

fn profile() -> String {
    env("AWS_PROFILE").unwrap_or_else(|| "default".into())
}

/// The region: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`,
/// else us-east-1.
pub fn region(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| section(home_file("AWS_CONFIG_FILE", ".aws/config"), &profile(), true).remove("region"))
        .unwrap_or_else(|| "us-east-1".into())
}

/// The keys: the environment, then the profile in the credentials file, then in the config
/// file; `None` when nothing is configured.
pub fn configured() -> Option<Keys> {
    if let (Some(a), Some(s)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        return Some(Keys { access_key: a, secret_key: s, session_token: env("AWS_SESSION_TOKEN") });
    }
    let p = profile();
    [
        section(home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"), &p, false),
        section(home_file("AWS_CONFIG_FILE", ".aws/config"), &p, true),
    ]
    .into_iter()
    .find_map(|mut s| {
        Some(Keys {
            access_key: s.remove("aws_access_key_id")?,
            secret_key: s.remove("aws_secret_access_key")?,
            session_token: s.remove("aws_session_token"),
        })
    })
}

/// The configured keys, else dummy ones (enough for kinesin and other emulators).
pub fn keys() -> Keys {
    configured().unwrap_or_else(local_default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_sections_are_named_profile_x() {
        let dir = std::env::temp_dir().join(format!("kinesin-cli-creds-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(&path, "[default]\nregion = eu-west-1\n[profile dev]\n# note\nregion=ap-south-1\n").unwrap();
        assert_eq!(section(Some(path.clone()), "dev", true).get("region").unwrap(), "ap-south-1");
        assert_eq!(section(Some(path.clone()), "default", true).get("region").unwrap(), "eu-west-1");
        assert!(section(Some(path), "dev", false).is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
