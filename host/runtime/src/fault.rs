//! Counting traps per extension and deciding quarantine: after N traps inside a
//! sliding window the extension stops being called until an embedder releases it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Recent trap times of one extension.
#[derive(Debug, Default)]
pub(crate) struct FaultTracker {
    recent: VecDeque<Instant>,
    quarantined: bool,
}

impl FaultTracker {
    /// Record a trap at `now`; true if this trap puts the extension in quarantine.
    pub fn record(&mut self, now: Instant, threshold: u32, window: Duration) -> bool {
        while self.recent.front().is_some_and(|t| now.duration_since(*t) > window) {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        if !self.quarantined && threshold > 0 && self.recent.len() >= threshold as usize {
            self.quarantined = true;
            return true;
        }
        false
    }

    pub fn is_quarantined(&self) -> bool {
        self.quarantined
    }

    pub fn release(&mut self) {
        self.quarantined = false;
        self.recent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarantines_at_threshold_within_window() {
        let mut t = FaultTracker::default();
        let start = Instant::now();
        let window = Duration::from_secs(60);
        assert!(!t.record(start, 3, window));
        assert!(!t.record(start + Duration::from_secs(1), 3, window));
        assert!(t.record(start + Duration::from_secs(2), 3, window));
        assert!(t.is_quarantined());
        // Only the transition reports true.
        assert!(!t.record(start + Duration::from_secs(3), 3, window));
    }

    #[test]
    fn old_traps_fall_out_of_the_window() {
        let mut t = FaultTracker::default();
        let start = Instant::now();
        let window = Duration::from_secs(10);
        t.record(start, 3, window);
        t.record(start + Duration::from_secs(1), 3, window);
        assert!(!t.record(start + Duration::from_secs(30), 3, window));
        assert!(!t.is_quarantined());
    }

    #[test]
    fn release_clears_history() {
        let mut t = FaultTracker::default();
        let now = Instant::now();
        t.record(now, 1, Duration::from_secs(1));
        assert!(t.is_quarantined());
        t.release();
        assert!(!t.is_quarantined());
    }
}
