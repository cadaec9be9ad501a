//! LocalStack-style init hooks: scripts under `<root>/{boot,start,ready,shutdown}.d` (`.sh`,
//! run as executables, and `.py`, run by `python3`), each stage in alphanumeric order with
//! a folder's own scripts before its subfolders (depth first). A failing script is marked
//! `ERROR` and the next one still runs. Script output goes to kinesin's stderr, so stdout
//! keeps its `listening` and `Ready.` lines.

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Deepest folder nesting searched under a stage folder.
const MAX_DEPTH: usize = 8;
/// Most scripts run per stage.
const MAX_SCRIPTS: usize = 1000;

/// A lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Before the store opens.
    Boot,
    /// The store is open, the port not yet announced.
    Start,
    /// Serving; `Ready.` is printed after these.
    Ready,
    /// On SIGTERM/SIGINT, before exiting.
    Shutdown,
}

impl Stage {
    /// Every stage, in lifecycle order.
    pub const ALL: [Stage; 4] = [Stage::Boot, Stage::Start, Stage::Ready, Stage::Shutdown];

    /// LocalStack's upper-case name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Boot => "BOOT",
            Stage::Start => "START",
            Stage::Ready => "READY",
            Stage::Shutdown => "SHUTDOWN",
        }
    }

    /// Parses a stage name in any case (`ready`, `READY`).
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.name().eq_ignore_ascii_case(s))
    }

    fn folder(self) -> String {
        format!("{}.d", self.name().to_ascii_lowercase())
    }
}

/// A script's state, as LocalStack reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    /// Found, not run yet.
    Unknown,
    /// Running.
    Running,
    /// Exited 0.
    Successful,
    /// Exited non-zero, or could not be started.
    Error,
}

/// One script in the `/_localstack/init` report.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptReport {
    /// Its stage (`READY`).
    pub stage: &'static str,
    /// Its file name.
    pub name: String,
    /// Its state.
    pub state: State,
}

struct Script {
    stage: Stage,
    path: PathBuf,
    state: State,
}

/// The hooks of one process: discovered at start, run stage by stage.
pub struct Hooks {
    env: Vec<(String, String)>,
    scripts: Mutex<Vec<Script>>,
    completed: Mutex<[bool; 4]>,
}

impl Hooks {
    /// Discovers the scripts under `root` (no root: no scripts). `env` is added to each
    /// script's environment (endpoint, region, credentials).
    pub fn new(root: Option<PathBuf>) -> Self {
        let mut scripts = Vec::new();
        if let Some(root) = &root {
            for stage in Stage::ALL {
                let mut found = Vec::new();
                discover(&root.join(stage.folder()), 0, &mut found);
                scripts.extend(found.into_iter().map(|path| Script { stage, path, state: State::Unknown }));
            }
        }
        Self { env: Vec::new(), scripts: Mutex::new(scripts), completed: Mutex::new([false; 4]) }
    }

    /// Sets the variables each script gets on top of kinesin's environment.
    pub fn set_env(&mut self, env: Vec<(String, String)>) {
        self.env = env;
    }

    /// Runs one stage's scripts in order (blocking); a failure does not stop the rest.
    pub fn run_stage(&self, stage: Stage) {
        let paths: Vec<(usize, PathBuf)> = self
            .lock_scripts()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.stage == stage)
            .map(|(i, s)| (i, s.path.clone()))
            .collect();
        for (i, path) in paths {
            self.set_state(i, State::Running);
            let state = run_script(&path, &self.env);
            if state == State::Error {
                tracing::error!(stage = stage.name(), script = %path.display(), "init script failed");
            } else {
                tracing::info!(stage = stage.name(), script = %path.display(), "init script ran");
            }
            self.set_state(i, state);
        }
        if let Ok(mut c) = self.completed.lock() {
            c[stage as usize] = true;
        }
    }

    /// Whether a stage has scripts to run.
    pub fn has_scripts(&self, stage: Stage) -> bool {
        self.lock_scripts().iter().any(|s| s.stage == stage)
    }

    /// Whether a stage has run.
    pub fn completed(&self, stage: Stage) -> bool {
        self.completed.lock().map(|c| c[stage as usize]).unwrap_or(false)
    }

    /// The scripts of one stage (all stages when `None`), in run order.
    pub fn report(&self, stage: Option<Stage>) -> Vec<ScriptReport> {
        self.lock_scripts()
            .iter()
            .filter(|s| stage.is_none_or(|st| st == s.stage))
            .map(|s| ScriptReport {
                stage: s.stage.name(),
                name: s.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                state: s.state,
            })
            .collect()
    }

    fn lock_scripts(&self) -> std::sync::MutexGuard<'_, Vec<Script>> {
        self.scripts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_state(&self, i: usize, state: State) {
        if let Some(s) = self.lock_scripts().get_mut(i) {
            s.state = state;
        }
    }
}

/// Appends `dir`'s scripts in name order, then each subfolder's, depth first.
fn discover(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH || out.len() >= MAX_SCRIPTS {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    let (dirs, files): (Vec<PathBuf>, Vec<PathBuf>) = entries.into_iter().partition(|p| p.is_dir());
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "sh" | "py") && out.len() < MAX_SCRIPTS {
            out.push(f);
        }
    }
    for d in dirs {
        discover(&d, depth + 1, out);
    }
}

/// Runs one script to completion; its stdout and stderr go to kinesin's stderr.
fn run_script(path: &Path, env: &[(String, String)]) -> State {
    let mut cmd = if path.extension().is_some_and(|e| e == "py") {
        let mut c = Command::new("python3");
        c.arg(path);
        c
    } else {
        Command::new(path)
    };
    let stdout = std::os::fd::AsFd::as_fd(&std::io::stderr()).try_clone_to_owned().map(Stdio::from);
    cmd.stdin(Stdio::null()).stdout(stdout.unwrap_or_else(|_| Stdio::null()));
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    match cmd.status() {
        Ok(s) if s.success() => State::Successful,
        Ok(s) => {
            tracing::error!(script = %path.display(), status = %s, "init script exited with an error");
            State::Error
        }
        Err(e) => {
            tracing::error!(script = %path.display(), error = %e, "init script could not be started");
            State::Error
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_order_is_parent_first_then_subfolders_depth_first() {
        let root = std::env::temp_dir().join(format!("kinesin-hooks-{}", fastrand::u64(..)));
        let ready = root.join("ready.d");
        std::fs::create_dir_all(ready.join("a/deep")).unwrap();
        std::fs::create_dir_all(ready.join("b")).unwrap();
        for f in ["ready.d/20.sh", "ready.d/10.py", "ready.d/a/05.sh", "ready.d/a/deep/01.sh", "ready.d/b/00.sh"] {
            std::fs::write(root.join(f), "").unwrap();
        }
        std::fs::write(ready.join("notes.txt"), "").unwrap();
        let hooks = Hooks::new(Some(root.clone()));
        let names: Vec<String> = hooks.report(Some(Stage::Ready)).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["10.py", "20.sh", "05.sh", "01.sh", "00.sh"]);
        assert!(hooks.report(Some(Stage::Boot)).is_empty());
        assert!(!hooks.completed(Stage::Ready));
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn stage_names_parse_in_any_case() {
        assert_eq!(Stage::parse("ready"), Some(Stage::Ready));
        assert_eq!(Stage::parse("SHUTDOWN"), Some(Stage::Shutdown));
        assert_eq!(Stage::parse("later"), None);
    }
}
