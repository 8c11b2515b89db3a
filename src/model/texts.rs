//! Texts that many reports repeat, stored once. A vault deletion gives a
//! million windows the same trigger, the same cause subject and the same
//! wait setting; each window holds a shared [`Text`] instead of a copy.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use crate::result::Text;
use crate::scenario::format::KeyRef;
use crate::scenario::NameHasher;

#[derive(Debug, Default)]
pub struct Texts {
    /// Behind a `RefCell` so that read-only checks can share texts too.
    /// Only looked up, never iterated, so its order cannot reach an output;
    /// hashed, since a fleet asks for the same few texts a million times.
    known: RefCell<HashMap<Box<str>, Text, BuildHasherDefault<NameHasher>>>,
    /// Key references servers are bound to: a fleet names one for all.
    refs: RefCell<BTreeSet<Arc<KeyRef>>>,
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

    /// The shared copy of a key reference.
    pub fn key_ref(&self, r: &KeyRef) -> Arc<KeyRef> {
        let mut refs = self.refs.borrow_mut();
        if let Some(known) = refs.get(r) {
            return known.clone();
        }
        let shared = Arc::new(r.clone());
        refs.insert(shared.clone());
        shared
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

    #[test]
    fn equal_key_references_are_one() {
        let texts = Texts::default();
        let a = texts.key_ref(&KeyRef::parse("kv/k").unwrap());
        let b = texts.key_ref(&KeyRef::parse("kv/k").unwrap());
        let c = texts.key_ref(&KeyRef::parse("kv/k/2").unwrap());
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(c.version, Some(2));
    }
}
