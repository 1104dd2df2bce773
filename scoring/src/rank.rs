//! Ranking communes by total, without ranking them on noise.
//!
//! A commune whose citizen sample is below the minimum is listed as "not ranked: insufficient
//! sample" rather than placed: a handful of answers would decide its place by chance (issue 4,
//! item 6).

use serde::{Deserialize, Serialize};
use survey_definitions::criteria::Points;

use crate::Report;

/// One commune's place in a ranking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankEntry {
    /// The commune's code.
    pub unit: String,
    /// Its total points.
    pub total: Points,
    /// 1 for the highest total; equal totals share a rank and the next rank is skipped
    /// (1, 2, 2, 4). `None` when not ranked.
    pub rank: Option<u32>,
    /// Whether it was ranked.
    pub status: RankStatus,
    /// Whether it passed.
    pub passed: bool,
    /// Its grade id, if any.
    pub grade: Option<String>,
}

/// Whether a commune was ranked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankStatus {
    /// Ranked by total.
    Ranked,
    /// Not ranked: a citizen-survey leaf has fewer answers than its minimum
    /// ("chưa xếp hạng: chưa đủ mẫu khảo sát").
    InsufficientSample,
}

/// Ranks reports (one per commune, all under the same criteria set and period) by total,
/// highest first.
///
/// Ranked communes come first in rank order (ties by commune code), then the communes not
/// ranked, by code. The order of `reports` never changes the result.
pub fn rank(reports: &[Report]) -> Vec<RankEntry> {
    let entry = |report: &Report, status| RankEntry {
        unit: report.unit.clone(),
        total: report.total,
        rank: None,
        status,
        passed: report.passed,
        grade: report.grade.as_ref().map(|g| g.id.clone()),
    };
    let mut ranked: Vec<RankEntry> = reports
        .iter()
        .filter(|r| r.citizen_sample_sufficient())
        .map(|r| entry(r, RankStatus::Ranked))
        .collect();
    // Every field takes part, so equal-looking entries still sort the same whatever the input
    // order.
    let tie_break = |a: &RankEntry, b: &RankEntry| {
        a.unit
            .cmp(&b.unit)
            .then_with(|| b.passed.cmp(&a.passed))
            .then_with(|| a.grade.cmp(&b.grade))
    };
    ranked.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| tie_break(a, b)));
    let mut previous: Option<(Points, u32)> = None;
    for (i, entry) in ranked.iter_mut().enumerate() {
        let place = match previous {
            Some((total, place)) if total == entry.total => place,
            _ => u32::try_from(i + 1).unwrap_or(u32::MAX),
        };
        entry.rank = Some(place);
        previous = Some((entry.total, place));
    }
    let mut unranked: Vec<RankEntry> = reports
        .iter()
        .filter(|r| !r.citizen_sample_sufficient())
        .map(|r| entry(r, RankStatus::InsufficientSample))
        .collect();
    unranked.sort_by(|a, b| tie_break(a, b).then_with(|| b.total.cmp(&a.total)));
    ranked.extend(unranked);
    ranked
}
