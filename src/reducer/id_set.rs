//! A set of ids in lexicographic order that holds a single id without a heap allocation.
//!
//! Most index entries name one item or one call. A `BTreeSet` allocates a whole node (about 300
//! bytes) for that one id; at a million events those nodes were a sixth of the reducer's memory.

use std::collections::BTreeSet;

use compact_str::CompactString;

/// Ids in the order a `BTreeSet<CompactString>` keeps them; empty after the last removal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IdSet {
    #[default]
    Empty,
    One(CompactString),
    Many(BTreeSet<CompactString>),
}

impl IdSet {
    pub fn insert(&mut self, id: CompactString) {
        match self {
            IdSet::Empty => *self = IdSet::One(id),
            IdSet::One(only) if *only == id => {}
            IdSet::One(only) => {
                let only = std::mem::take(only);
                *self = IdSet::Many(BTreeSet::from([only, id]));
            }
            IdSet::Many(ids) => {
                ids.insert(id);
            }
        }
    }

    pub fn remove(&mut self, id: &str) {
        match self {
            IdSet::One(only) if only == id => *self = IdSet::Empty,
            IdSet::Many(ids) => {
                ids.remove(id);
            }
            _ => {}
        }
    }

    pub fn first(&self) -> Option<&CompactString> {
        self.iter().next()
    }

    pub fn is_empty(&self) -> bool {
        self.first().is_none()
    }

    pub fn iter(&self) -> Iter<'_> {
        let (one, many) = match self {
            IdSet::Empty => (None, None),
            IdSet::One(only) => (Some(only), None),
            IdSet::Many(ids) => (None, Some(ids.iter())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

/// The ids of an [`IdSet`] in order.
pub type Iter<'a> = std::iter::Chain<
    std::option::IntoIter<&'a CompactString>,
    std::iter::Flatten<std::option::IntoIter<std::collections::btree_set::Iter<'a, CompactString>>>,
>;

impl<'a> IntoIterator for &'a IdSet {
    type Item = &'a CompactString;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any sequence of inserts and removes leaves the ids a `BTreeSet` would hold, in its order.
    #[test]
    fn behaves_as_a_btree_set() {
        let ops: &[(bool, &str)] = &[
            (true, "x"),
            (false, "x"),
            (true, "b"),
            (true, "b"),
            (false, "a"),
            (true, "a"),
            (true, "c"),
            (false, "b"),
            (false, "a"),
            (false, "c"),
            (true, "z"),
            (false, "z"),
            (false, "z"),
            (true, "y"),
        ];
        let (mut set, mut model) = (IdSet::default(), BTreeSet::<CompactString>::new());
        for &(insert, id) in ops {
            if insert {
                set.insert(id.into());
                model.insert(id.into());
            } else {
                set.remove(id);
                model.remove(id);
            }
            assert_eq!(set.iter().collect::<Vec<_>>(), model.iter().collect::<Vec<_>>(), "after {insert} {id}");
            assert_eq!(set.first(), model.first());
            assert_eq!(set.is_empty(), model.is_empty());
            assert_eq!((&set).into_iter().count(), model.len());
        }
    }

    #[test]
    fn one_id_takes_no_heap_node() {
        let mut set = IdSet::default();
        set.insert("conversation_item:1".into());
        set.insert("conversation_item:1".into());
        assert!(matches!(set, IdSet::One(_)), "the same id again is still one id");
        set.insert("conversation_item:0".into());
        assert_eq!(
            set.iter().map(|id| id.as_str()).collect::<Vec<_>>(),
            ["conversation_item:0", "conversation_item:1"]
        );
    }
}
