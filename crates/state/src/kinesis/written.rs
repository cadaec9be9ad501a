//! Which streams were written: the wake-ups Kinesis writes give their readers (the Pipes
//! pump, ...), naming the streams, so that a reader's pass can leave alone what no write
//! touched. Each reader has its own set, filled by every write until the reader takes it.

use crate::Ctx;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use tokio::sync::watch;

/// The streams a reader's pass looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Every stream: shards changed or a stream was deleted, or the reader has its own
    /// reasons to look at everything (a deadline, a change of its configuration).
    All,
    /// The streams (namespace and name) records were written to; empty: none.
    Streams(Vec<(Ctx, String)>),
}

impl Default for Written {
    fn default() -> Self {
        Written::Streams(Vec::new())
    }
}

impl Written {
    /// One stream.
    pub fn one(ctx: &Ctx, name: &str) -> Self {
        Written::Streams(vec![(ctx.clone(), name.to_string())])
    }

    /// Adds what `other` names.
    pub fn merge(&mut self, other: Written) {
        match (&mut *self, other) {
            (Written::All, _) => {}
            (_, Written::All) => *self = Written::All,
            (Written::Streams(mine), Written::Streams(theirs)) => {
                for key in theirs {
                    if !mine.contains(&key) {
                        mine.push(key);
                    }
                }
            }
        }
    }

    /// Whether the stream `name` of `ctx` is named (every stream is, by [`Written::All`]).
    pub fn includes(&self, ctx: &Ctx, name: &str) -> bool {
        match self {
            Written::All => true,
            Written::Streams(s) => s.iter().any(|(c, n)| n == name && c == ctx),
        }
    }

    /// Whether `self` and `other` name a stream in common ([`Written::All`] names every one).
    pub fn meets(&self, other: &Written) -> bool {
        match (self, other) {
            (Written::All, _) | (_, Written::All) => true,
            (Written::Streams(mine), _) => mine.iter().any(|(ctx, name)| other.includes(ctx, name)),
        }
    }

    /// Whether nothing is named.
    pub fn is_empty(&self) -> bool {
        matches!(self, Written::Streams(s) if s.is_empty())
    }
}

/// The readers' sets, and the signal that one changed.
pub struct Feeds {
    readers: Mutex<Vec<Weak<Mutex<Written>>>>,
    changed: watch::Sender<u64>,
}

impl Default for Feeds {
    fn default() -> Self {
        Self { readers: Mutex::default(), changed: watch::channel(0).0 }
    }
}

impl Feeds {
    /// Adds `w` to every reader's set, then wakes the readers.
    pub fn tell(&self, w: &Written) {
        let mut readers = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        readers.retain(|r| match r.upgrade() {
            Some(set) => {
                set.lock().unwrap_or_else(PoisonError::into_inner).merge(w.clone());
                true
            }
            None => false,
        });
        drop(readers);
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A new reader; it sees the writes from now on.
    pub fn reader(&self) -> Reader {
        let set = Arc::new(Mutex::new(Written::default()));
        self.readers.lock().unwrap_or_else(PoisonError::into_inner).push(Arc::downgrade(&set));
        Reader { set, changed: self.changed.subscribe() }
    }

    /// A receiver that changes on every write (for readers that do not filter).
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// One reader's streams written since it last took them.
pub struct Reader {
    set: Arc<Mutex<Written>>,
    changed: watch::Receiver<u64>,
}

impl Reader {
    /// What was written since the last call (the wake-up is consumed too).
    pub fn take(&mut self) -> Written {
        self.changed.mark_unchanged();
        std::mem::take(&mut *self.set.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Resolves after the next write.
    pub async fn changed(&mut self) {
        if self.changed.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_take_what_was_written_since() {
        let feeds = Feeds::default();
        let (a, b) = (Ctx::new("1", "r"), Ctx::new("2", "r"));
        let mut r = feeds.reader();
        assert!(r.take().is_empty());
        feeds.tell(&Written::one(&a, "s"));
        feeds.tell(&Written::one(&a, "s"));
        feeds.tell(&Written::one(&b, "s"));
        let w = r.take();
        assert_eq!(w, Written::Streams(vec![(a.clone(), "s".into()), (b.clone(), "s".into())]));
        assert!(w.includes(&b, "s") && !w.includes(&a, "t") && !w.includes(&Ctx::new("1", "x"), "s"));
        assert!(r.take().is_empty(), "taken");
        feeds.tell(&Written::All);
        feeds.tell(&Written::one(&a, "s"));
        assert_eq!(r.take(), Written::All);
        let late = feeds.reader();
        drop(late);
        feeds.tell(&Written::one(&a, "s"));
        assert_eq!(feeds.readers.lock().unwrap().len(), 1, "a dropped reader is forgotten");
    }
}
