//! The kiosk traffic rules replayed over the ratings a database holds, in the order tapped, with
//! what honest tablets look like next to them: how long their runs of one answer get, how even
//! their taps, how far a day's share strays from the desk's, how close they come to the desk's
//! dossiers. `hailong kiosks rules` prints it; the defaults of `KioskSettings` are justified by
//! it over the demo's honest tablets (README "Kiosk traffic rules").

use std::collections::{BTreeMap, HashMap};

use crate::domain::flags::Flag;
use crate::error::AppError;
use crate::figures::Satisfaction;
use crate::kiosk::traffic::{self, EarlierRating, Traffic};
use crate::state::AppState;

/// What the rules make of the stored kiosk ratings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RulesReport {
    pub kiosks: usize,
    pub kiosk_days: usize,
    pub ratings: usize,
    /// Ratings each rule would hold (the rating that completes a pattern and those it reaches).
    pub held_by: BTreeMap<Flag, usize>,
    /// Ratings any rule would hold.
    pub held: usize,
    /// The longest run of one overall answer at one tablet.
    pub longest_run: usize,
    /// The most even taps: the lowest variation of the gaps over `cadence_taps` taps in a row.
    pub lowest_cadence_cv: Option<f64>,
    /// The most satisfied tablet-day next to its desk (with at least `share_min_ratings`):
    /// its share minus the baseline's, in points, and the chance of it for honest citizens.
    pub highest_share_excess: Option<(f64, f64)>,
    /// The fullest desk-day: kiosk ratings over the desk's dossiers (where entered).
    pub highest_dossier_use: Option<f64>,
}

/// Replays the rules over every stored kiosk rating with the deployment's settings.
pub async fn replay(state: &AppState) -> Result<RulesReport, AppError> {
    let settings = &state.settings.kiosk;
    let store = &state.store;
    let rows = store.all_kiosk_ratings().await?;
    let mut report = RulesReport::default();
    let mut baselines: HashMap<(i64, String), Satisfaction> = HashMap::new();
    let mut dossiers: HashMap<(i64, String), Option<i64>> = HashMap::new();
    let mut desk_day: HashMap<(i64, String), i64> = HashMap::new();
    let mut kiosk_days: BTreeMap<(i64, String), Satisfaction> = BTreeMap::new();
    let mut held: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut per_flag: BTreeMap<Flag, std::collections::HashSet<i64>> = BTreeMap::new();
    let mut earlier: Vec<EarlierRating> = Vec::new();
    let mut kiosk = None;
    let mut run = 0usize;
    let keep = settings.max_run.max(settings.cadence_taps) as usize;
    for row in &rows {
        if kiosk != Some(row.kiosk_id) {
            kiosk = Some(row.kiosk_id);
            report.kiosks += 1;
            earlier.clear();
            run = 0;
        }
        report.ratings += 1;
        let day = crate::clock::day_of(row.created_at);
        let overall = row.overall.and_then(|v| u8::try_from(v).ok()).unwrap_or(0);
        let key = (row.desk_id, day.clone());
        if !baselines.contains_key(&key) {
            let start = crate::clock::midnight_ms(&day).unwrap_or(row.created_at);
            let mut b = traffic::overall_levels(
                store
                    .overall_without_kiosks(row.desk_id, start - 90 * 86_400_000, false)
                    .await?,
            );
            if b.rated() < traffic::BASELINE_MIN_ANSWERS {
                b = traffic::overall_levels(
                    store
                        .overall_without_kiosks(row.desk_id, start - 365 * 86_400_000, true)
                        .await?,
                );
            }
            baselines.insert(key.clone(), b);
            dossiers.insert(
                key.clone(),
                store.desk_dossiers_on(row.desk_id, &day).await?,
            );
        }
        for r in &mut earlier {
            r.same_day = crate::clock::day_of(r.tapped_at) == day;
        }
        let traffic = Traffic {
            earlier: earlier.clone(),
            desk_day_ratings: desk_day.get(&key).copied().unwrap_or(0),
            desk_day_dossiers: dossiers[&key],
            baseline: baselines[&key],
        };
        let (weekday, minute) = crate::clock::weekday_minute(row.created_at);
        let open = crate::abuse::within_opening_hours(&state.settings.abuse, weekday, minute);
        let verdict = traffic::judge(row.created_at, overall, open, &traffic, settings);
        for flag in verdict.flags.iter() {
            per_flag.entry(flag).or_default().insert(row.id);
            held.insert(row.id);
        }
        for (id, flag) in &verdict.earlier {
            per_flag.entry(*flag).or_default().insert(*id);
            held.insert(*id);
        }

        run = match earlier.first() {
            Some(last) if last.overall == Some(overall) => run + 1,
            _ => 1,
        };
        report.longest_run = report.longest_run.max(run);
        let taps = settings.cadence_taps as usize;
        if taps >= 3 && earlier.len() + 1 >= taps {
            let mut times: Vec<i64> = earlier[..taps - 1].iter().map(|r| r.tapped_at).collect();
            times.push(row.created_at);
            if let Some(cv) = traffic::gap_variation(&times) {
                report.lowest_cadence_cv =
                    Some(report.lowest_cadence_cv.map_or(cv, |low: f64| low.min(cv)));
            }
        }
        *desk_day.entry(key).or_default() += 1;
        let share = kiosk_days.entry((row.kiosk_id, day)).or_default();
        if (1..=5).contains(&overall) {
            share.levels[usize::from(overall) - 1] += 1;
        }
        earlier.insert(
            0,
            EarlierRating {
                id: row.id,
                tapped_at: row.created_at,
                overall: Some(overall),
                open: true,
                same_day: true,
            },
        );
        // The rules look back `keep` ratings, and over the whole day for the share.
        let day_now = crate::clock::day_of(row.created_at);
        let mut kept = 0;
        earlier.retain(|r| {
            kept += 1;
            kept <= keep || crate::clock::day_of(r.tapped_at) == day_now
        });
    }
    report.kiosk_days = kiosk_days.len();
    for ((kiosk, day), share) in &kiosk_days {
        let Some(desk) = rows
            .iter()
            .find(|r| r.kiosk_id == *kiosk)
            .map(|r| r.desk_id)
        else {
            continue;
        };
        let key = (desk, day.clone());
        if let (Some(baseline), true) = (
            baselines.get(&key),
            share.rated() >= i64::from(settings.share_min_ratings.max(1)),
        ) {
            if baseline.rated() >= traffic::BASELINE_MIN_ANSWERS {
                let p = baseline.satisfied() as f64 / baseline.rated() as f64;
                let excess = 100.0 * (share.satisfied() as f64 / share.rated() as f64 - p);
                let chance =
                    traffic::binomial_tail(share.rated() as u64, share.satisfied() as u64, p);
                if report.highest_share_excess.is_none_or(|(e, _)| excess > e) {
                    report.highest_share_excess = Some((excess, chance));
                }
            }
        }
    }
    for ((desk, day), n) in &desk_day {
        if let Some(Some(d)) = dossiers.get(&(*desk, day.clone())) {
            if *d > 0 {
                let use_ = *n as f64 / *d as f64;
                report.highest_dossier_use = Some(
                    report
                        .highest_dossier_use
                        .map_or(use_, |h: f64| h.max(use_)),
                );
            }
        }
    }
    report.held = held.len();
    report.held_by = per_flag
        .into_iter()
        .map(|(f, ids)| (f, ids.len()))
        .collect();
    Ok(report)
}
