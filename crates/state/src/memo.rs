//! A value a service derives from its tables and keeps on the store thread until its rows
//! change. The store forgets it whenever a job or a commit fails (what it was derived from
//! may have been undone). Type-erased, so the store needs no service's types.

use std::any::Any;
use std::sync::Arc;

/// One derived value, or nothing while it is not current.
#[derive(Default)]
pub struct Memo(Option<Arc<dyn Any + Send + Sync>>);

impl Memo {
    /// The value, if it is current (and a `T`).
    pub fn get<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.0.clone()?.downcast().ok()
    }

    /// Keeps `value` as the current one.
    pub fn set<T: Any + Send + Sync>(&mut self, value: Arc<T>) {
        self.0 = Some(value);
    }

    /// Forgets the value: its rows were written, or a write may have been undone.
    pub fn clear(&mut self) {
        self.0 = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_one_value_until_cleared() {
        let mut m = Memo::default();
        assert!(m.get::<Vec<u8>>().is_none());
        m.set(Arc::new(vec![1u8, 2]));
        assert_eq!(m.get::<Vec<u8>>().as_deref(), Some(&vec![1, 2]));
        assert!(m.get::<String>().is_none(), "another type is not it");
        m.clear();
        assert!(m.get::<Vec<u8>>().is_none());
    }
}
