//! Every use of `generational-arena` lives here, behind typed keys, so that
//! swapping the arena crate (it is unmaintained, RUSTSEC-2024-0014) stays a
//! one-file change.

use std::marker::PhantomData;

/// A generational key into an [`Arena<T>`]; a key of a removed slot never
/// finds the slot's next occupant.
pub(crate) struct Key<T> {
    index: generational_arena::Index,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Key<T> {}
impl<T> PartialEq for Key<T> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}
impl<T> Eq for Key<T> {}
impl<T> std::hash::Hash for Key<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.index.hash(state)
    }
}
impl<T> std::fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (i, g) = self.index.into_raw_parts();
        write!(f, "{i}v{g}")
    }
}

/// An arena of `T` addressed by generational [`Key<T>`]s.
pub(crate) struct Arena<T> {
    inner: generational_arena::Arena<T>,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            inner: generational_arena::Arena::new(),
        }
    }
}

impl<T> Arena<T> {
    pub(crate) fn insert(&mut self, value: T) -> Key<T> {
        Key {
            index: self.inner.insert(value),
            _t: PhantomData,
        }
    }
    pub(crate) fn get(&self, key: Key<T>) -> Option<&T> {
        self.inner.get(key.index)
    }
    pub(crate) fn get_mut(&mut self, key: Key<T>) -> Option<&mut T> {
        self.inner.get_mut(key.index)
    }
    pub(crate) fn remove(&mut self, key: Key<T>) -> Option<T> {
        self.inner.remove(key.index)
    }
    pub(crate) fn keys(&self) -> impl Iterator<Item = Key<T>> + '_ {
        self.inner.iter().map(|(index, _)| Key { index, _t: PhantomData })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_keys_miss() {
        let mut a = Arena::default();
        let k1 = a.insert(1);
        a.remove(k1);
        let k2 = a.insert(2);
        assert_eq!(a.get(k1), None);
        assert_eq!(a.get(k2), Some(&2));
    }
}
