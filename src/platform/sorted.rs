//! A map and a set kept as one vector sorted by key: what the core's small maps need of
//! `BTreeMap` and `BTreeSet` (lookups, iteration in key order, JSON as an object), in a fraction
//! of the code. The standard library's B-tree is compiled again for every key and value type, with
//! its node splitting, merging and stealing: about 3 to 9 KB of the service worker's module per
//! type. These maps hold tens of entries (units, labels, a card's documents, a stock snapshot of
//! a few thousand products), where a binary search and a vector's insert are as fast.
//!
//! `serde_json::Map` stays a `BTreeMap`: that one copy is in the module anyway.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// A map sorted by key: `BTreeMap`'s behaviour (one value per key, the last insert wins,
/// iteration in key order), stored as a vector.
#[derive(Clone, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter().map(|(k, v)| (k, v))).finish()
    }
}

/// A borrowed entry as a pair of references (the form `BTreeMap`'s iterator yields).
type Pair<'a, K, V> = (&'a K, &'a V);

/// The borrowing iterator, in key order.
pub type Iter<'a, K, V> = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> Pair<'a, K, V>>;

fn pair<K, V>((k, v): &(K, V)) -> Pair<'_, K, V> {
    (k, v)
}

impl<K: Ord, V> SortedMap<K, V> {
    pub const fn new() -> Self {
        SortedMap(Vec::new())
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; the value it had, if any. A key after the last is appended; one
    /// before it moves the entries after it (building a large map in no order is for
    /// [`Extend`], which sorts once).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if self.0.last().is_none_or(|(last, _)| *last < key) {
            self.0.push((key, value));
            return None;
        }
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`, first set by `make` when there is none (`entry(key).or_insert_with`).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, make()));
                i
            }
        };
        &mut self.0[i].1
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> Iter<'_, K, V> {
        self.0.iter().map(pair as fn(&(K, V)) -> Pair<'_, K, V>)
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// Adds every pair of `other`, whose keys this map does not have, in one pass over both (an
    /// `insert` per pair moves the entries after it, each time).
    pub fn absorb(&mut self, other: SortedMap<K, V>) {
        if other.is_empty() {
            return;
        }
        let mut mine = std::mem::take(&mut self.0).into_iter().peekable();
        let mut theirs = other.0.into_iter().peekable();
        self.0.reserve(mine.len() + theirs.len());
        while let Some(next) = match (mine.peek(), theirs.peek()) {
            (Some(a), Some(b)) if b.0 < a.0 => theirs.next(),
            (Some(_), _) => mine.next(),
            (None, _) => theirs.next(),
        } {
            self.0.push(next);
        }
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = SortedMap::new();
        map.extend(iter);
        map
    }
}

/// Adds every pair, as one `insert` after the other would (the last value of a key wins), with
/// one sort instead of an insert's move per pair.
impl<K: Ord, V> Extend<(K, V)> for SortedMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        self.0.extend(iter);
        if self.0.windows(2).all(|w| w[0].0 < w[1].0) {
            return;
        }
        let entries = &self.0;
        let order = stable_order(entries.len(), &mut |a, b| entries[a].0 < entries[b].0);
        let mut slots: Vec<Option<(K, V)>> = self.0.drain(..).map(Some).collect();
        for i in order {
            let Some((k, v)) = slots[i].take() else { continue };
            match self.0.last_mut() {
                // A later insert of the same key: it wins (the sort is stable).
                Some(last) if last.0 == k => last.1 = v,
                _ => self.0.push((k, v)),
            }
        }
    }
}

/// The indices `0..len` in the order `before` sorts them, equal ones in their order: a merge
/// sort over indices, compiled once, not once per element type as the standard library's sorts.
#[inline(never)]
fn stable_order(len: usize, before: &mut dyn FnMut(usize, usize) -> bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged = order.clone();
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let mid = start.saturating_add(width).min(len);
            let end = mid.saturating_add(width).min(len);
            let (mut a, mut b) = (start, mid);
            for slot in &mut merged[start..end] {
                // From the right run only when strictly before: equal indices keep their order.
                if b < end && (a == mid || before(order[b], order[a])) {
                    *slot = order[b];
                    b += 1;
                } else {
                    *slot = order[a];
                    a += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut order, &mut merged);
        width = width.saturating_mul(2);
    }
    order
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SortedMap<K, V> {
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = Pair<'a, K, V>;
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<K: Ord, Q: Ord + ?Sized, V> std::ops::Index<&Q> for SortedMap<K, V>
where
    K: Borrow<Q>,
{
    type Output = V;

    /// Panics when the key is absent, as `BTreeMap`'s does (tests only read keys they wrote).
    fn index(&self, key: &Q) -> &V {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no entry for the key"),
        }
    }
}

/// As a JSON object, in key order (as serde writes a `BTreeMap`).
impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for SortedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<K, V>(PhantomData<(K, V)>);

        impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for Entries<K, V> {
            type Value = SortedMap<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            /// The entries in the order they come (a map of numbers written as JSON comes in
            /// the order of their texts, "10" before "9"), sorted once.
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = access.next_entry()? {
                    entries.push(entry);
                }
                let mut map = SortedMap::new();
                map.extend(entries);
                Ok(map)
            }
        }

        deserializer.deserialize_map(Entries(PhantomData))
    }
}

/// A set sorted by value: `BTreeSet`'s `insert` and `contains`, over a vector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SortedSet<T>(SortedMap<T, ()>);

impl<T: Ord> SortedSet<T> {
    pub const fn new() -> Self {
        SortedSet(SortedMap::new())
    }

    /// Adds `value`; whether it was new.
    pub fn insert(&mut self, value: T) -> bool {
        self.0.insert(value, ()).is_none()
    }

    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.0.contains_key(value)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::json;

    use super::{SortedMap, SortedSet};

    /// A small deterministic sequence of keys, with repeats.
    fn keys() -> Vec<u64> {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        (0..400)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % 97
            })
            .collect()
    }

    #[test]
    fn behaves_as_btreemap_under_inserts_and_removes() {
        let (mut ours, mut std) = (SortedMap::new(), BTreeMap::new());
        for (i, k) in keys().into_iter().enumerate() {
            if i % 3 == 2 {
                assert_eq!(ours.remove(&k), std.remove(&k), "remove {k}");
            } else {
                assert_eq!(ours.insert(k, i), std.insert(k, i), "insert {k}");
            }
            assert_eq!(ours.len(), std.len());
        }
        assert!(ours.iter().eq(std.iter()), "the same entries, in key order");
        for k in 0..100 {
            assert_eq!(ours.get(&k), std.get(&k));
            assert_eq!(ours.contains_key(&k), std.contains_key(&k));
        }
        *ours.get_or_insert_with(1_000, || 7) += 1;
        *ours.get_or_insert_with(1_000, || 0) += 1;
        assert_eq!(ours[&1_000], 9);
        ours.retain(|k, _| k % 2 == 0);
        std.retain(|k, _| k % 2 == 0);
        std.insert(1_000, 9);
        assert!(ours.into_iter().eq(std));
    }

    #[test]
    fn collects_and_extends_as_btreemap_the_last_value_winning() {
        let pairs = || keys().into_iter().enumerate().map(|(i, k)| (k, i));
        let ours: SortedMap<u64, usize> = pairs().collect();
        let std: BTreeMap<u64, usize> = pairs().collect();
        assert!(ours.iter().eq(std.iter()));
        let (mut ours, mut std) = (ours, std);
        ours.extend(pairs().map(|(k, i)| (k * 2, i + 1)));
        std.extend(pairs().map(|(k, i)| (k * 2, i + 1)));
        assert!(ours.iter().eq(std.iter()));
        // Numbers as JSON keys come in the order of their texts.
        let text: serde_json::Map<String, serde_json::Value> =
            std.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        let back: SortedMap<u64, usize> = crate::platform::from_value(text.into()).unwrap();
        assert!(back.iter().eq(std.iter()));
    }

    #[test]
    fn absorbs_another_map_as_btreemap_appends_it() {
        let ours: SortedMap<u64, usize> = keys().into_iter().enumerate().map(|(i, k)| (k * 3, i)).collect();
        for offset in [1, 2] {
            // Keys of their own, before, between and after ours.
            let theirs: SortedMap<u64, usize> =
                keys().into_iter().map(|k| (k * 3 + offset, k as usize)).collect();
            let mut std: BTreeMap<u64, usize> = ours.iter().map(|(k, v)| (*k, *v)).collect();
            std.extend(theirs.iter().map(|(k, v)| (*k, *v)));
            let mut merged = ours.clone();
            merged.absorb(theirs);
            assert!(merged.iter().eq(std.iter()), "offset {offset}");
        }
        let mut empty = SortedMap::new();
        empty.absorb(ours.clone());
        assert_eq!(empty, ours);
        let mut same = ours.clone();
        same.absorb(SortedMap::new());
        assert_eq!(same, ours);
    }

    #[test]
    fn json_as_btreemap_s_and_a_set_as_btreeset() {
        let pairs = [
            ("b".to_string(), 2),
            ("a".to_string(), 1),
            ("c".to_string(), 3),
            ("a".to_string(), 4),
        ];
        let ours: SortedMap<String, i32> = pairs.clone().into_iter().collect();
        let std: BTreeMap<String, i32> = pairs.into_iter().collect();
        let text = serde_json::to_string(&ours).unwrap();
        assert_eq!(text, serde_json::to_string(&std).unwrap());
        assert_eq!(text, r#"{"a":4,"b":2,"c":3}"#);
        let back: SortedMap<String, i32> = crate::platform::from_value(json!({"z": 1, "y": 2})).unwrap();
        assert_eq!(back.keys().collect::<Vec<_>>(), ["y", "z"]);
        let numeric: SortedMap<u64, bool> =
            crate::platform::from_value(json!({"17": true, "3": false})).unwrap();
        assert_eq!(numeric.keys().collect::<Vec<_>>(), [&3, &17]);
        assert!(crate::platform::from_value::<SortedMap<String, i32>>(json!([1])).is_err());

        let mut s = SortedSet::new();
        assert!(s.insert("x"));
        assert!(!s.insert("x"));
        assert!(s.contains("x") && !s.contains("y"));
        let (mut ours, mut std) = (SortedSet::new(), BTreeSet::new());
        for k in keys() {
            assert_eq!(ours.insert(k), std.insert(k), "insert {k}");
        }
        assert!((0..100).all(|k| ours.contains(&k) == std.contains(&k)));
    }
}
