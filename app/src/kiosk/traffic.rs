//! A kiosk's ratings judged against the desk's real traffic, not only their spacing: the rules
//! that catch a commune's own staff tapping their tablet to raise the commune's figure.
//!
//! A tablet at the desk is trusted hardware in the hands of the people whose score it measures.
//! Spacing taps a few seconds apart (`kiosk_rapid`) is easy to avoid, so each rating is also
//! judged against what an honest desk looks like:
//! - **more ratings than dossiers** (`kiosk_over_dossiers`): the desk's kiosks rated more often
//!   that day than the desk handled dossiers, where the count is known;
//! - **a long run of one answer** (`kiosk_run`): this many identical overall answers in a row at
//!   one tablet;
//! - **a steady cadence** (`kiosk_cadence`): taps spaced so evenly that no queue of citizens made
//!   them (citizens finish at uneven times; a script, or a person replaying a queue, does not);
//! - **a day's share far above the desk** (`kiosk_share`): the tablet's satisfied share that day
//!   is far above the desk's own QR answers (or the commune's history), by more than chance
//!   explains;
//! - **outside opening hours** (`kiosk_off_hours`): nobody is served at a closed desk.
//!
//! Each is a stuffing rule: the rating waits for the province's review before it counts
//! (`crate::domain::flags`). A pattern is seen only once it is long enough, so the ratings that
//! made it are held with the one that completes it: the first taps of a pumped run do not count
//! either. Ratings a reviewer already decided on are never held again.
//!
//! Everything here is pure: the store reads the traffic (`Store::kiosk_traffic`), the service
//! asks [`judge`], and the store holds what the verdict names.

use crate::abuse::kiosk::KioskSettings;
use crate::domain::flags::{Flag, Flags};
use crate::figures::Satisfaction;

/// Fewest answers a baseline needs before a day's share is compared with it.
pub const BASELINE_MIN_ANSWERS: i64 = 30;

/// One earlier rating of the same tablet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarlierRating {
    pub id: i64,
    /// When the citizen tapped (ms), the time the rating counts for.
    pub tapped_at: i64,
    /// The overall answer, 1–5.
    pub overall: Option<u8>,
    /// Whether a rule may still hold it: not excluded, and no reviewer has decided on it.
    pub open: bool,
    /// Whether it was tapped on the same day (Vietnam time) as the rating being judged.
    pub same_day: bool,
}

/// What the store knows of a tablet's and its desk's traffic when a rating arrives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// This tablet's ratings before this one, newest first: at least as many as the longest
    /// window a rule looks at, and every rating of this one's day.
    pub earlier: Vec<EarlierRating>,
    /// Ratings at the desk's kiosks (every tablet) on this one's day, before it, not excluded.
    pub desk_day_ratings: i64,
    /// Dossiers the desk handled that day, where someone or something has said.
    pub desk_day_dossiers: Option<i64>,
    /// The overall answers a day's share is compared with: the desk's own answers by other
    /// channels over the last 90 days, or the commune's over a year where the desk has too few.
    pub baseline: Satisfaction,
}

/// What the rules say of one rating: its own flags, and earlier ratings they now hold too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub flags: Flags,
    /// Earlier ratings of the same tablet the pattern reaches, with the flag it gives them.
    pub earlier: Vec<(i64, Flag)>,
}

impl Verdict {
    fn reach(&mut self, flag: Flag, ratings: impl IntoIterator<Item = i64>) {
        self.flags.add(flag);
        for id in ratings {
            if !self.earlier.contains(&(id, flag)) {
                self.earlier.push((id, flag));
            }
        }
    }
}

/// Judges a rating tapped at `tapped_at` with overall answer `overall` against the traffic.
/// `within_hours` says whether the desk was open at that time.
pub fn judge(
    tapped_at: i64,
    overall: u8,
    within_hours: bool,
    traffic: &Traffic,
    settings: &KioskSettings,
) -> Verdict {
    let mut verdict = Verdict::default();

    if !within_hours {
        verdict.flags.add(Flag::KioskOffHours);
    }

    if let Some(dossiers) = traffic.desk_day_dossiers {
        if traffic.desk_day_ratings + 1 > dossiers {
            verdict.flags.add(Flag::KioskOverDossiers);
        }
    }

    if settings.max_run > 1 {
        let run: Vec<&EarlierRating> = traffic
            .earlier
            .iter()
            .take_while(|r| r.overall == Some(overall))
            .collect();
        if run.len() + 1 >= run_length_held(overall, &traffic.baseline, settings) {
            verdict.reach(Flag::KioskRun, open_ids(run.iter().copied()));
        }
    }

    let taps = settings.cadence_taps as usize;
    if taps >= 3 && traffic.earlier.len() + 1 >= taps {
        let window = &traffic.earlier[..taps - 1];
        let mut times: Vec<i64> = window.iter().map(|r| r.tapped_at).collect();
        times.push(tapped_at);
        if let Some(cv) = gap_variation(&times) {
            if cv * 100.0 < f64::from(settings.cadence_cv_percent) {
                verdict.reach(Flag::KioskCadence, open_ids(window));
            }
        }
    }

    let day: Vec<&EarlierRating> = traffic.earlier.iter().filter(|r| r.same_day).collect();
    let mut share = Satisfaction::default();
    for level in day.iter().filter_map(|r| r.overall).chain([overall]) {
        share.levels[usize::from(level.clamp(1, 5)) - 1] += 1;
    }
    if share_far_above(&share, &traffic.baseline, settings) {
        verdict.reach(Flag::KioskShare, open_ids(day.iter().copied()));
    }
    verdict
}

/// How long a run of `overall` answers must be to be held: `max_run`, and where the desk's
/// baseline says how often its citizens give that answer (share `p`), long enough that honest
/// citizens give such a run at a given place at most once in `run_odds` (`p^(n−1)`), so a desk
/// whose citizens mostly say "very satisfied" is not held for saying it often.
pub fn run_length_held(overall: u8, baseline: &Satisfaction, settings: &KioskSettings) -> usize {
    let floor = settings.max_run as usize;
    let rated = baseline.rated();
    if rated < BASELINE_MIN_ANSWERS || !(1..=5).contains(&overall) {
        return floor;
    }
    let p = baseline.levels[usize::from(overall) - 1] as f64 / rated as f64;
    if p >= 1.0 {
        return usize::MAX;
    }
    if p <= 0.0 {
        return floor;
    }
    let odds = f64::from(settings.run_odds.max(2));
    let needed = 1.0 + (odds.ln() / (1.0 / p).ln()).ceil();
    floor.max(needed as usize)
}

/// Overall answers counted by level, `(level, answers)`, as the figures count them.
pub fn overall_levels(rows: Vec<(i64, i64)>) -> Satisfaction {
    let mut s = Satisfaction::default();
    for (level, answers) in rows {
        if (1..=5).contains(&level) {
            s.levels[(level - 1) as usize] += answers;
            s.responses += answers;
        }
    }
    s
}

/// The ids of the ratings a rule may still hold.
fn open_ids<'a>(ratings: impl IntoIterator<Item = &'a EarlierRating>) -> Vec<i64> {
    ratings
        .into_iter()
        .filter(|r| r.open)
        .map(|r| r.id)
        .collect()
}

/// The coefficient of variation (standard deviation over mean) of the gaps between tap times
/// in any order; `None` when they are all at one instant.
pub fn gap_variation(times: &[i64]) -> Option<f64> {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let gaps: Vec<f64> = sorted.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    if gaps.is_empty() {
        return None;
    }
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    if mean <= 0.0 {
        return None;
    }
    let variance = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
    Some(variance.sqrt() / mean)
}

/// Whether a tablet's day (`day`) is satisfied far above the baseline: enough ratings, a share
/// more than `share_excess_points` above the baseline's, and a chance of at most one in
/// `share_odds` that honest citizens answering like the baseline gave that many.
pub fn share_far_above(
    day: &Satisfaction,
    baseline: &Satisfaction,
    settings: &KioskSettings,
) -> bool {
    let (n, k) = (day.rated(), day.satisfied());
    if settings.share_min_ratings == 0
        || n < i64::from(settings.share_min_ratings)
        || baseline.rated() < BASELINE_MIN_ANSWERS
    {
        return false;
    }
    let p = baseline.satisfied() as f64 / baseline.rated() as f64;
    let share = k as f64 / n as f64;
    share - p >= f64::from(settings.share_excess_points) / 100.0
        && binomial_tail(n as u64, k as u64, p) * f64::from(settings.share_odds.max(1)) <= 1.0
}

/// P(X ≥ k) for X binomial with `n` trials of probability `p`, summed in log space so that a
/// day of hundreds of ratings neither overflows nor underflows.
pub fn binomial_tail(n: u64, k: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let ln_choose = |i: u64| ln_factorial(n) - ln_factorial(i) - ln_factorial(n - i);
    (k..=n)
        .map(|i| (ln_choose(i) + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp())
        .sum::<f64>()
        .min(1.0)
}

fn ln_factorial(n: u64) -> f64 {
    (2..=n).map(|i| (i as f64).ln()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000;
    const MINUTE: i64 = 60 * SECOND;
    const T0: i64 = 1_800_000_000_000;

    /// A tablet's earlier ratings, newest first, from (seconds before T0, overall).
    fn earlier(taps: &[(i64, u8)]) -> Vec<EarlierRating> {
        taps.iter()
            .enumerate()
            .map(|(i, (ago, overall))| EarlierRating {
                id: i as i64 + 1,
                tapped_at: T0 - ago * SECOND,
                overall: Some(*overall),
                open: true,
                same_day: true,
            })
            .collect()
    }

    fn baseline(satisfied: i64, rated: i64) -> Satisfaction {
        Satisfaction {
            responses: rated,
            levels: [0, rated - satisfied, 0, satisfied, 0],
        }
    }

    fn traffic(earlier: Vec<EarlierRating>) -> Traffic {
        Traffic {
            earlier,
            baseline: baseline(65, 100),
            ..Traffic::default()
        }
    }

    #[test]
    fn a_tablet_tapped_every_five_seconds_is_held_with_the_taps_before() {
        let settings = KioskSettings::default();
        let taps: Vec<(i64, u8)> = (1..12).map(|i| (i * 5, 5)).collect();
        let verdict = judge(T0, 5, true, &traffic(earlier(&taps)), &settings);
        assert!(verdict.flags.contains(Flag::KioskCadence), "{verdict:?}");
        let cadence: Vec<i64> = verdict
            .earlier
            .iter()
            .filter(|(_, f)| *f == Flag::KioskCadence)
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(
            cadence.len(),
            settings.cadence_taps as usize - 1,
            "the taps that made the cadence are held too"
        );
        // Half a second either way is still a machine's pace, not a queue of people.
        let mut jittered = earlier(&taps);
        for (i, r) in jittered.iter_mut().enumerate() {
            r.tapped_at += [-500, 0, 500][i % 3];
        }
        assert!(judge(T0, 5, true, &traffic(jittered), &settings)
            .flags
            .contains(Flag::KioskCadence));
    }

    #[test]
    fn citizens_served_at_uneven_times_are_not_a_cadence() {
        let settings = KioskSettings::default();
        // Minutes between citizens at a desk: a queue served at its own pace.
        let gaps = [3, 7, 2, 11, 4, 5, 9, 1, 6, 3];
        let mut ago = 0;
        let taps: Vec<(i64, u8)> = gaps
            .iter()
            .enumerate()
            .map(|(i, g)| {
                ago += g * 60;
                (ago, [5, 4, 3, 5, 2, 4, 5, 5, 4, 3][i])
            })
            .collect();
        let verdict = judge(T0, 4, true, &traffic(earlier(&taps)), &settings);
        assert_eq!(verdict, Verdict::default());
    }

    #[test]
    fn a_desk_whose_citizens_mostly_say_very_satisfied_may_say_it_often() {
        let settings = KioskSettings::default();
        let mostly_five = Satisfaction {
            responses: 100,
            levels: [1, 2, 2, 15, 80],
        };
        let run = run_length_held(5, &mostly_five, &settings);
        assert!(run > 40, "{run}");
        assert!(0.8f64.powi(run as i32 - 1) * f64::from(settings.run_odds) <= 1.0);
        assert_eq!(
            run_length_held(1, &mostly_five, &settings),
            settings.max_run as usize,
            "a run of the rarest answer is held from the floor"
        );
        assert_eq!(
            run_length_held(5, &Satisfaction::default(), &settings),
            settings.max_run as usize,
            "without a baseline, the floor"
        );
    }

    #[test]
    fn a_long_run_of_one_answer_is_held_whole() {
        let settings = KioskSettings {
            cadence_taps: 0,
            ..KioskSettings::default()
        };
        let run = settings.max_run as i64;
        let taps: Vec<(i64, u8)> = (1..run).map(|i| (i * 97 + i * i, 5)).collect();
        let verdict = judge(T0, 5, true, &traffic(earlier(&taps)), &settings);
        assert!(verdict.flags.contains(Flag::KioskRun));
        assert_eq!(verdict.earlier.len(), run as usize - 1);
        // One answer short of the run, or broken by another answer: nothing.
        let short = judge(T0, 5, true, &traffic(earlier(&taps[1..])), &settings);
        assert!(!short.flags.contains(Flag::KioskRun));
        let broken = judge(T0, 4, true, &traffic(earlier(&taps)), &settings);
        assert!(!broken.flags.contains(Flag::KioskRun));
    }

    #[test]
    fn a_days_share_far_above_the_desk_holds_the_tablets_day() {
        let settings = KioskSettings {
            cadence_taps: 0,
            max_run: 0,
            ..KioskSettings::default()
        };
        // 40 ratings, 39 satisfied, at a desk whose citizens are 65% satisfied.
        let taps: Vec<(i64, u8)> = (1..40)
            .map(|i| {
                (
                    i * 300 + (i * 37) % 200,
                    if i == 7 { 2 } else { 4 + (i % 2) as u8 },
                )
            })
            .collect();
        let verdict = judge(T0, 5, true, &traffic(earlier(&taps)), &settings);
        assert!(verdict.flags.contains(Flag::KioskShare), "{verdict:?}");
        assert_eq!(verdict.earlier.len(), 39, "the whole day waits for review");
        // The same day at a desk whose citizens are 95% satisfied is nothing unusual.
        let mut usual = traffic(earlier(&taps));
        usual.baseline = baseline(95, 100);
        assert!(!judge(T0, 5, true, &usual, &settings)
            .flags
            .contains(Flag::KioskShare));
        // Nor is it without a baseline to compare with.
        usual.baseline = baseline(20, 25);
        assert!(!judge(T0, 5, true, &usual, &settings)
            .flags
            .contains(Flag::KioskShare));
    }

    #[test]
    fn more_ratings_than_dossiers_and_a_closed_desk_are_held() {
        let settings = KioskSettings::default();
        let mut t = traffic(Vec::new());
        t.desk_day_ratings = 40;
        t.desk_day_dossiers = Some(40);
        let verdict = judge(T0, 3, true, &t, &settings);
        assert!(verdict.flags.contains(Flag::KioskOverDossiers));
        t.desk_day_dossiers = Some(41);
        assert_eq!(judge(T0, 3, true, &t, &settings), Verdict::default());
        t.desk_day_dossiers = None;
        assert_eq!(judge(T0, 3, true, &t, &settings), Verdict::default());
        assert!(judge(T0, 3, false, &t, &settings)
            .flags
            .contains(Flag::KioskOffHours));
    }

    #[test]
    fn decided_ratings_are_never_held_again() {
        let settings = KioskSettings::default();
        let mut taps = earlier(&(1..12).map(|i| (i * 5, 5)).collect::<Vec<_>>());
        for r in &mut taps {
            r.open = false;
        }
        let verdict = judge(T0, 5, true, &traffic(taps), &settings);
        assert!(verdict.flags.contains(Flag::KioskCadence));
        assert!(verdict.earlier.is_empty());
    }

    #[test]
    fn the_binomial_tail_matches_known_values() {
        assert!((binomial_tail(10, 0, 0.3) - 1.0).abs() < 1e-12);
        assert!((binomial_tail(1, 1, 0.3) - 0.3).abs() < 1e-12);
        // P(X ≥ 8) for n = 10, p = 0.5: (45 + 10 + 1) / 1024.
        assert!((binomial_tail(10, 8, 0.5) - 56.0 / 1024.0).abs() < 1e-12);
        assert!((binomial_tail(12, 12, 0.65) - 0.65f64.powi(12)).abs() < 1e-12);
        assert!(binomial_tail(500, 500, 0.65) > 0.0 || 0.65f64.powi(500) == 0.0);
        assert_eq!(binomial_tail(5, 6, 0.5), 0.0);
        assert_eq!(
            gap_variation(&[T0, T0 + 5 * SECOND, T0 + 10 * SECOND]),
            Some(0.0)
        );
        assert_eq!(gap_variation(&[T0]), None);
        assert!(gap_variation(&[T0, T0 + MINUTE, T0 + 3 * MINUTE]).unwrap() > 0.3);
    }
}
