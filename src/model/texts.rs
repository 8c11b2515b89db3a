//! Texts that many reports repeat, stored once. A vault deletion gives a
//! million windows the same trigger, the same cause subject and the same
//! wait setting; each window holds a shared [`Text`] instead of a copy.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::result::Text;

#[derive(Debug, Default)]
pub struct Texts {
    /// Behind a `RefCell` so that read-only checks can share texts too.
    known: RefCell<BTreeMap<Box<str>, Text>>,
}

impl Texts {
    /// The shared copy of `s`, made on first use. The set grows with the
    /// distinct names and action texts of a run, never with its servers.
    pub fn get(&self, s: &str) -> Text {
        let mut known = self.known.borrow_mut();
        if let Some(t) = known.get(s) {
            return t.clone();
        }
        let t: Text = s.into();
        known.insert(s.into(), t.clone());
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_shared_not_copied() {
        let texts = Texts::default();
        let a = texts.get("kv-prod");
        let b = texts.get(&String::from("kv-prod"));
        assert!(std::sync::Arc::ptr_eq(&a, &b));
        let c = texts.get("kv-dr");
        assert!(!std::sync::Arc::ptr_eq(&a, &c));
        assert_eq!(&*c, "kv-dr");
    }
}
