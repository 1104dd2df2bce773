//! A deployment's kiosk rules (`HAILONG_KIOSK_*`) and what they keep in memory: each desk's
//! quota of ratings and one lock per desk.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Whether kiosks enrolled by commune staff wait for the province (`HAILONG_KIOSK_APPROVAL`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KioskApproval {
    /// A kiosk takes ratings as soon as its tablet is enrolled (`none`).
    #[default]
    None,
    /// A kiosk commune staff enrolled takes no rating until a province admin approves it
    /// (`province`); those a province admin enrols are approved by them.
    Province,
}

impl KioskApproval {
    pub fn parse(value: &str) -> Option<KioskApproval> {
        match value {
            "none" => Some(KioskApproval::None),
            "province" => Some(KioskApproval::Province),
            _ => None,
        }
    }
}

/// Kiosk limits and rules of a deployment (`HAILONG_KIOSK_*`, see README). The defaults are far
/// above what an honest desk does (a desk serves at most a few hundred citizens a day) and far
/// below what a script does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KioskSettings {
    /// Ratings all the kiosks of one desk may send together per minute, and at once (the burst
    /// lets a tablet that was offline all day send its queue in one go; past it the tablet waits
    /// for Retry-After and keeps the rest queued).
    pub desk_per_minute: u32,
    pub desk_burst: u32,
    /// Kiosks commune staff may have at one desk, in use or waiting for their code.
    pub max_per_desk: u32,
    pub approval: KioskApproval,
    /// Ratings at one desk's kiosks tapped closer together than this are `kiosk_rapid`: the
    /// tablet itself ignores taps for 5 seconds after each rating. Zero turns the rule off.
    pub min_gap: Duration,
    /// Ratings tapped longer ago than this are `kiosk_backdated`: a tablet offline longer than a
    /// weekend is not plausible.
    pub max_queue_age: Duration,
    /// This many identical overall answers in a row at one tablet are `kiosk_run`
    /// (`crate::kiosk::traffic`), or more where the desk's citizens give that answer so often
    /// that such a run happens more than once in `run_odds`; 0 turns the rule off.
    pub max_run: u32,
    pub run_odds: u32,
    /// Taps whose gaps vary less than `cadence_cv_percent` (standard deviation over mean, in
    /// percent) over this many taps in a row are `kiosk_cadence`; 0 turns the rule off.
    pub cadence_taps: u32,
    pub cadence_cv_percent: u32,
    /// A tablet's day with at least `share_min_ratings` ratings, satisfied more than
    /// `share_excess_points` above the desk's other answers, with a chance of at most one in
    /// `share_odds` for honest citizens, is `kiosk_share`; 0 ratings turns the rule off.
    pub share_min_ratings: u32,
    pub share_excess_points: u32,
    pub share_odds: u32,
}

impl Default for KioskSettings {
    fn default() -> Self {
        KioskSettings {
            desk_per_minute: 20,
            desk_burst: 400,
            max_per_desk: 2,
            approval: KioskApproval::None,
            min_gap: Duration::from_secs(3),
            max_queue_age: Duration::from_secs(48 * 3600),
            max_run: 15,
            run_odds: 100_000,
            cadence_taps: 10,
            cadence_cv_percent: 20,
            share_min_ratings: 10,
            share_excess_points: 15,
            share_odds: 100_000,
        }
    }
}

/// What the kiosk rules keep in memory for one server: each desk's share of the rate limit, and
/// one lock per desk, held from judging a rating's time to storing it, so two ratings at one desk
/// never miss each other (with several instances, each decides for the ratings it receives).
pub struct KioskLimits {
    quota: DefaultKeyedRateLimiter<i64>,
    desks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// Each desk's answers without a kiosk that its tablets' days are compared with, read once
    /// a day (`crate::kiosk::traffic`): (desk, day) → overall answers.
    baselines: Mutex<HashMap<(i64, String), crate::figures::Satisfaction>>,
}

impl KioskLimits {
    pub fn new(settings: &KioskSettings) -> KioskLimits {
        let per_minute = NonZeroU32::new(settings.desk_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.desk_burst).unwrap_or(NonZeroU32::MIN);
        KioskLimits {
            quota: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            desks: Mutex::default(),
            baselines: Mutex::default(),
        }
    }

    /// The baseline kept for `desk_id` on `day`, if read already today.
    pub(crate) fn baseline(&self, desk_id: i64, day: &str) -> Option<crate::figures::Satisfaction> {
        self.baselines
            .lock()
            .expect("kiosk baselines")
            .get(&(desk_id, day.to_string()))
            .copied()
    }

    /// Keeps a desk's baseline for the day; the previous days' are forgotten.
    pub(crate) fn keep_baseline(
        &self,
        desk_id: i64,
        day: &str,
        baseline: crate::figures::Satisfaction,
    ) {
        let mut baselines = self.baselines.lock().expect("kiosk baselines");
        baselines.retain(|(_, d), _| d.as_str() >= day);
        baselines.insert((desk_id, day.to_string()), baseline);
    }

    /// Takes one rating from the desk's quota, or says how long to wait.
    pub(crate) fn check(&self, desk_id: i64) -> Result<(), Duration> {
        self.quota
            .check_key(&desk_id)
            .map_err(|not_until| not_until.wait_time_from(self.quota.clock().now()))
    }

    pub(crate) fn desk_lock(&self, desk_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        self.desks
            .lock()
            .expect("kiosk desk locks")
            .entry(desk_id)
            .or_default()
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kiosks_of_a_desk_share_its_quota() {
        let limits = KioskLimits::new(&KioskSettings {
            desk_per_minute: 1,
            desk_burst: 2,
            ..KioskSettings::default()
        });
        assert!(limits.check(1).is_ok());
        assert!(limits.check(1).is_ok());
        assert!(limits.check(1).is_err(), "whichever kiosk asks");
        assert!(limits.check(2).is_ok(), "another desk has its own");
    }
}
