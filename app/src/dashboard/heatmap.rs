//! When citizens answer, and how satisfied they are then: the last 30 days' responses by local
//! weekday and hour. It shows a chairman which sessions of the week the desk leaves people
//! unhappy (a Monday-morning queue, a late-afternoon rush), which the daily trend hides.

use serde::{Deserialize, Serialize};

use crate::format;
use crate::i18n::Lang;

/// The hours every map shows (the desk's working day); hours outside it appear only when they
/// have answers.
const WORKING_HOURS: std::ops::RangeInclusive<u32> = 7..=17;

/// One weekday × hour cell.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatCell {
    /// Responses given in that hour of that weekday over the period.
    pub responses: i64,
    /// The satisfied share of their overall answers, `—` without one.
    pub satisfied: String,
    /// 0 (none) to 4 (the busiest cells): how dark the cell is drawn.
    pub shade: u8,
    /// Fewer than half of its overall answers are satisfied: the cell is marked.
    pub unhappy: bool,
}

/// One weekday of the map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatRow {
    /// `T2` … `CN` (vi), `Mon` … `Sun` (en).
    pub weekday: String,
    pub cells: Vec<HeatCell>,
}

/// The map: its hours (columns) and the seven weekdays from Monday (rows).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatMap {
    pub hours: Vec<u32>,
    pub rows: Vec<HeatRow>,
}

impl HeatMap {
    /// The map of `answers`: each response's local weekday (0 = Monday) and hour, and its
    /// overall rating if it gave one.
    pub fn of(answers: impl IntoIterator<Item = (u32, u32, Option<i64>)>, lang: Lang) -> HeatMap {
        // [weekday][hour] = (responses, rated, satisfied)
        let mut counts = [[(0i64, 0u64, 0u64); 24]; 7];
        for (weekday, hour, overall) in answers {
            let Some(cell) = counts
                .get_mut(weekday as usize)
                .and_then(|row| row.get_mut(hour as usize))
            else {
                continue;
            };
            cell.0 += 1;
            if let Some(level) = overall.filter(|l| (1..=5).contains(l)) {
                cell.1 += 1;
                cell.2 += u64::from(level >= 4);
            }
        }
        let busy_hours = (0..24u32).filter(|h| counts.iter().any(|row| row[*h as usize].0 > 0));
        let mut hours: Vec<u32> = WORKING_HOURS.chain(busy_hours).collect();
        hours.sort_unstable();
        hours.dedup();
        let busiest = counts.iter().flatten().map(|c| c.0).max().unwrap_or(0);
        let names = match lang {
            Lang::Vi | Lang::Supplied(_) => ["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
            Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        };
        let rows = names
            .iter()
            .zip(counts)
            .map(|(name, row)| HeatRow {
                weekday: (*name).to_string(),
                cells: hours
                    .iter()
                    .map(|h| {
                        let (responses, rated, satisfied) = row[*h as usize];
                        HeatCell {
                            responses,
                            satisfied: format::ratio_percent(satisfied, rated, lang)
                                .unwrap_or_else(|| "—".into()),
                            shade: shade(responses, busiest),
                            unhappy: rated > 0 && satisfied * 2 < rated,
                        }
                    })
                    .collect(),
            })
            .collect();
        HeatMap { hours, rows }
    }
}

/// 0 for no responses, else 1–4 by quarter of the busiest cell's count.
fn shade(responses: i64, busiest: i64) -> u8 {
    if responses <= 0 || busiest <= 0 {
        return 0;
    }
    let quarter = (responses * 4 + busiest - 1) / busiest;
    u8::try_from(quarter.clamp(1, 4)).unwrap_or(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_land_in_their_weekday_and_hour() {
        let map = HeatMap::of(
            [
                (0, 8, Some(5)),
                (0, 8, Some(2)),
                (0, 8, None),
                (6, 20, Some(4)),
                (9, 8, Some(5)),
            ],
            Lang::Vi,
        );
        assert_eq!(map.hours, vec![7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20]);
        assert_eq!(map.rows.len(), 7);
        let monday_8 = &map.rows[0].cells[1];
        assert_eq!(monday_8.responses, 3);
        assert_eq!(monday_8.satisfied, "50,0%");
        assert_eq!(monday_8.shade, 4);
        assert!(!monday_8.unhappy, "half satisfied is not under half");
        let sunday_20 = &map.rows[6].cells[11];
        assert_eq!((sunday_20.responses, sunday_20.shade), (1, 2));
        let map = HeatMap::of(
            [(2, 9, Some(1)), (2, 9, Some(5)), (2, 9, Some(2))],
            Lang::Vi,
        );
        assert!(map.rows[2].cells[2].unhappy);
        assert_eq!(map.rows[6].weekday, "CN");
        assert_eq!(map.rows[1].cells[0].satisfied, "—");
        assert_eq!(map.rows[1].cells[0].shade, 0);
    }
}
