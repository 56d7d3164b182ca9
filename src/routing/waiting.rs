//! The ordered set of one class's waiting conversations, with O(1) appends.
//!
//! Conversations mostly join a queue behind everyone already waiting: in
//! one class, a later arrival has a later key unless its priority or
//! deadline puts it ahead. A B-tree pays a full descent for every one of
//! those appends (some fifty key comparisons at a hundred thousand waiting),
//! and another for every look at the head. [`WaitingSet`] keeps the keys in
//! two parts: a B-tree for the ones that came in out of order, and below
//! it in the order, a sorted run in a ring buffer that takes appends and
//! head removals in constant time. A key that lands inside the run moves
//! the run's smaller keys into the tree first (or, when only a few keys sit
//! on one side, shifts them), so every key moves at most once and the
//! amortised cost stays that of the B-tree; a plain queue never touches the
//! tree at all.

use super::queue::WaitKey;
use std::collections::{BTreeSet, VecDeque};

/// Up to this many keys are shifted within the run to make or close a gap;
/// beyond it the smaller keys move to the tree (which bounds the cost of a
/// gap in the middle of a long run).
const SHIFT_LIMIT: usize = 64;

/// An ordered set of [`WaitKey`]s: iteration, first and membership as a
/// `BTreeSet`, with appends at the end and removals at the start in O(1).
#[derive(Debug, Clone, Default)]
pub(crate) struct WaitingSet {
    /// The keys that are below every key of `run`.
    tree: BTreeSet<WaitKey>,
    /// Keys in ascending order, all above every key of `tree`.
    run: VecDeque<WaitKey>,
}

impl WaitingSet {
    /// The smallest key.
    pub(crate) fn first(&self) -> Option<&WaitKey> {
        self.tree.first().or_else(|| self.run.front())
    }

    /// The keys in ascending order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &WaitKey> + '_ {
        self.tree.iter().chain(self.run.iter())
    }

    /// Adds `key`; false when it was already there.
    pub(crate) fn insert(&mut self, key: WaitKey) -> bool {
        let (Some(front), Some(back)) = (self.run.front(), self.run.back()) else {
            // No run: start one when the key is above the whole tree.
            if self.tree.last().is_none_or(|last| key > *last) {
                self.run.push_back(key);
                return true;
            }
            return self.tree.insert(key);
        };
        if key > *back {
            self.run.push_back(key);
            return true;
        }
        if key < *front {
            return self.tree.insert(key);
        }
        match self.run.binary_search(&key) {
            Ok(_) => false,
            Err(at) if at.min(self.run.len() - at) <= SHIFT_LIMIT => {
                self.run.insert(at, key);
                true
            }
            Err(at) => {
                // Everything before `at` is below the key: into the tree
                // with it, so the run stays above the tree.
                self.spill(at);
                self.tree.insert(key)
            }
        }
    }

    /// Removes `key`; false when it was not there.
    pub(crate) fn remove(&mut self, key: &WaitKey) -> bool {
        match self.run.front() {
            Some(front) if key >= front => {}
            _ => return self.tree.remove(key),
        }
        let Ok(at) = self.run.binary_search(key) else {
            return false;
        };
        let len = self.run.len();
        if at.min(len - 1 - at) <= SHIFT_LIMIT {
            self.run.remove(at);
        } else {
            self.spill(at);
            self.run.pop_front();
        }
        self.release_spare();
        true
    }

    /// Moves the run's first `count` keys into the tree.
    fn spill(&mut self, count: usize) {
        self.tree.extend(self.run.drain(..count));
    }

    /// Gives back most of the run's buffer once it is three quarters
    /// empty, so a surge's queue does not hold its memory afterwards.
    fn release_spare(&mut self) {
        let capacity = self.run.capacity();
        if capacity > 4 * SHIFT_LIMIT && self.run.len() < capacity / 4 {
            self.run.shrink_to(self.run.len() * 2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConversationId, Priority};
    use crate::sim::SimRng;
    use chrono::{DateTime, Duration, Utc};
    use uuid::Uuid;

    fn key(n: u64, priority: Priority, deadline_minutes: Option<i64>) -> WaitKey {
        let start: DateTime<Utc> = "2026-11-23T00:00:00Z".parse().expect("fixed time");
        WaitKey::new(
            ConversationId::from_uuid(Uuid::from_u128(u128::from(n))),
            priority,
            deadline_minutes.map(|m| start + Duration::minutes(m)),
            start + Duration::seconds(n as i64),
        )
    }

    fn check(set: &WaitingSet, model: &BTreeSet<WaitKey>) {
        assert_eq!(set.tree.len() + set.run.len(), model.len());
        assert_eq!(set.first(), model.first());
        assert!(set.iter().eq(model.iter()));
        if let (Some(last), Some(front)) = (set.tree.last(), set.run.front()) {
            assert!(last < front, "the run must stay above the tree");
        }
    }

    /// Random scripts against a `BTreeSet`: mostly appends (later arrivals),
    /// some ahead of the queue (priority, early deadlines), removals at the
    /// head, in the middle and of absent keys, and repeated inserts.
    #[test]
    fn behaves_as_an_ordered_set() {
        for seed in 0..40u64 {
            let mut rng = SimRng::new(seed);
            let mut set = WaitingSet::default();
            let mut model = BTreeSet::new();
            let mut present: Vec<WaitKey> = Vec::new();
            let mut next = 0u64;
            for _ in 0..3_000 {
                match rng.below(20) {
                    0..=8 => {
                        next += 1;
                        let k = key(next, Priority::Normal, None);
                        assert_eq!(set.insert(k), model.insert(k));
                        present.push(k);
                    }
                    9 | 10 => {
                        next += 1;
                        let priority = if rng.below(2) == 0 {
                            Priority::High
                        } else {
                            Priority::Urgent
                        };
                        let k = key(next, priority, None);
                        assert_eq!(set.insert(k), model.insert(k));
                        present.push(k);
                    }
                    11 => {
                        // A deadline anywhere in the last few hours:
                        // lands inside the run.
                        next += 1;
                        let deadline = Some(rng.below(600) as i64);
                        let k = key(next, Priority::Normal, deadline);
                        assert_eq!(set.insert(k), model.insert(k));
                        present.push(k);
                    }
                    12 if !present.is_empty() => {
                        let k = present[rng.below(present.len() as u64) as usize];
                        assert_eq!(set.insert(k), model.insert(k));
                    }
                    13..=15 => {
                        if let Some(head) = model.first().copied() {
                            assert!(set.remove(&head));
                            model.remove(&head);
                        }
                    }
                    16..=18 if !present.is_empty() => {
                        let at = rng.below(present.len() as u64) as usize;
                        let k = present.swap_remove(at);
                        assert_eq!(set.remove(&k), model.remove(&k));
                    }
                    _ => {
                        next += 1;
                        let absent = key(next + 1_000_000, Priority::Normal, None);
                        assert!(!set.remove(&absent));
                    }
                }
                check(&set, &model);
            }
        }
    }

    #[test]
    fn a_plain_queue_never_uses_the_tree() {
        let mut set = WaitingSet::default();
        for n in 0..1_000 {
            assert!(set.insert(key(n, Priority::Normal, None)));
            if n % 3 == 0 {
                let head = *set.first().expect("not empty");
                assert!(set.remove(&head));
            }
        }
        assert!(set.tree.is_empty());
        assert_eq!(set.iter().count(), 666);
    }

    #[test]
    fn a_gap_deep_in_a_long_run_moves_the_smaller_keys_to_the_tree() {
        let mut set = WaitingSet::default();
        let keys: Vec<WaitKey> = (0..1_000).map(|n| key(n, Priority::Normal, None)).collect();
        for k in &keys {
            set.insert(*k);
        }
        assert!(set.remove(&keys[500]));
        assert_eq!(set.tree.len(), 500);
        assert_eq!(set.run.len(), 499);
        // Near an end, keys shift inside the run instead.
        assert!(set.remove(&keys[990]));
        assert_eq!(set.tree.len(), 500);
        let model: BTreeSet<WaitKey> = keys
            .iter()
            .copied()
            .filter(|k| *k != keys[500] && *k != keys[990])
            .collect();
        check(&set, &model);
    }

    #[test]
    fn a_drained_surge_gives_its_buffer_back() {
        let mut set = WaitingSet::default();
        for n in 0..100_000 {
            set.insert(key(n, Priority::Normal, None));
        }
        let peak = set.run.capacity();
        while let Some(head) = set.first().copied() {
            set.remove(&head);
        }
        assert!(set.run.capacity() < peak / 100, "{}", set.run.capacity());
    }
}
