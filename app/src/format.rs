//! Figures and dates as staff pages write them, one rule per kind of figure: counts whole,
//! shares in percent to one decimal, points to two decimals, dates `dd/mm/yyyy`. Vietnamese
//! pages use a decimal comma and a dot between thousands (`1.234`, `55,6%`); English pages the
//! reverse (`1,234`, `55.6%`). Every page and every live update formats through here, so the
//! same figure reads the same wherever it appears.

use crate::i18n::Lang;

fn separators(lang: Lang) -> (char, char) {
    match lang {
        Lang::Vi | Lang::Supplied(_) => (',', '.'),
        Lang::En => ('.', ','),
    }
}

/// A whole number with thousands grouped: `12.345` (vi), `12,345` (en).
pub fn count(n: i64, lang: Lang) -> String {
    let (_, thousands) = separators(lang);
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(thousands);
        }
        out.push(digit);
    }
    out
}

/// `tenths` tenths of a unit with one decimal: `556` → `55,6` (vi), `55.6` (en).
fn tenths(tenths: u64, lang: Lang) -> String {
    let (decimal, _) = separators(lang);
    let whole = i64::try_from(tenths / 10).unwrap_or(i64::MAX);
    format!("{}{decimal}{}", count(whole, lang), tenths % 10)
}

/// `numerator / denominator` as a percentage to one decimal, rounded half up exactly (no float
/// error at `…,x5`): `55,6%`. Not capped: a ratio above one reads above 100%. `None` when the
/// denominator is 0.
pub fn ratio_percent(numerator: u64, denominator: u64, lang: Lang) -> Option<String> {
    percent_tenths(numerator, denominator).map(|t| format!("{}%", tenths(t, lang)))
}

/// `numerator / denominator` in tenths of a percent, rounded as [`ratio_percent`] writes it
/// (`5 / 9` → `556`); `None` when the denominator is 0.
pub fn percent_tenths(numerator: u64, denominator: u64) -> Option<u64> {
    if denominator == 0 {
        return None;
    }
    let scaled = (u128::from(numerator) * 1000 * 2 + u128::from(denominator))
        / (u128::from(denominator) * 2);
    Some(u64::try_from(scaled).unwrap_or(u64::MAX))
}

/// The change between two shares written by [`ratio_percent`], in percentage points with its
/// sign: `+3,2`, `-0,4`, `0,0`. It subtracts the written figures, so a reader who does the
/// subtraction on the page gets the same number.
pub fn change_points(now_tenths: u64, before_tenths: u64, lang: Lang) -> String {
    let sign = match now_tenths.cmp(&before_tenths) {
        std::cmp::Ordering::Greater => "+",
        std::cmp::Ordering::Less => "-",
        std::cmp::Ordering::Equal => "",
    };
    format!("{sign}{}", tenths(now_tenths.abs_diff(before_tenths), lang))
}

/// A 95% interval of a share (bounds 0–1) to one decimal, widened outwards so the printed range
/// always holds the computed one: `51,2–60,0%`.
pub fn interval(low: f64, high: f64, lang: Lang) -> String {
    // The small tolerance keeps a bound that is exactly on a tenth (0.6 × 1000) from moving.
    let low = (low * 1000.0 + 1e-9).floor().max(0.0) as u64;
    let high = (high * 1000.0 - 1e-9).ceil().max(0.0) as u64;
    format!("{}–{}%", tenths(low, lang), tenths(high, lang))
}

/// Points to two decimals: `12,50` (vi), `12.50` (en).
pub fn points(points: survey_definitions::criteria::Points, lang: Lang) -> String {
    let (decimal, _) = separators(lang);
    let hundredths = points.hundredths();
    let whole = i64::try_from(hundredths / 100).unwrap_or(i64::MAX);
    format!("{}{decimal}{:02}", count(whole, lang), hundredths % 100)
}

/// A calendar day stored as `YYYY-MM-DD`, written `dd/mm/yyyy` on every page; anything else is
/// shown as given.
pub fn date(day: &str, _lang: Lang) -> String {
    let parts: Vec<&str> = day.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}/{m}/{y}"),
        _ => day.to_string(),
    }
}

/// A range of calendar days, both ends included: `02/11/2026–01/12/2026`, or one date when it
/// is a single day.
pub fn period(from: &str, to: &str, lang: Lang) -> String {
    if from == to {
        date(from, lang)
    } else {
        format!("{}–{}", date(from, lang), date(to, lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use survey_definitions::criteria::Points;

    #[test]
    fn a_change_subtracts_the_written_shares() {
        let now = percent_tenths(5, 9).unwrap();
        let before = percent_tenths(1, 2).unwrap();
        assert_eq!((now, before), (556, 500));
        assert_eq!(change_points(now, before, Lang::Vi), "+5,6");
        assert_eq!(change_points(before, now, Lang::En), "-5.6");
        assert_eq!(change_points(now, now, Lang::Vi), "0,0");
    }

    #[test]
    fn vietnamese_pages_use_a_decimal_comma_and_english_pages_a_point() {
        assert_eq!(ratio_percent(5, 9, Lang::Vi).unwrap(), "55,6%");
        assert_eq!(ratio_percent(5, 9, Lang::En).unwrap(), "55.6%");
        assert_eq!(interval(0.512, 0.6, Lang::Vi), "51,2–60,0%");
        assert_eq!(interval(0.512, 0.6, Lang::En), "51.2–60.0%");
        assert_eq!(
            points(Points::from_hundredths(1250).unwrap(), Lang::Vi),
            "12,50"
        );
        assert_eq!(points(Points::whole(3), Lang::En), "3.00");
        assert_eq!(count(1_234_567, Lang::Vi), "1.234.567");
        assert_eq!(count(1_234_567, Lang::En), "1,234,567");
        assert_eq!(count(999, Lang::Vi), "999");
        assert_eq!(count(0, Lang::Vi), "0");
    }

    #[test]
    fn shares_always_have_one_decimal_rounded_half_up() {
        assert_eq!(ratio_percent(1, 4, Lang::Vi).unwrap(), "25,0%");
        assert_eq!(ratio_percent(2, 3, Lang::Vi).unwrap(), "66,7%");
        assert_eq!(ratio_percent(1, 3, Lang::Vi).unwrap(), "33,3%");
        // 1/8 = 12,5% exactly; 1/16 = 6,25% rounds up to 6,3%.
        assert_eq!(ratio_percent(1, 16, Lang::Vi).unwrap(), "6,3%");
        assert_eq!(ratio_percent(7, 7, Lang::Vi).unwrap(), "100,0%");
        assert_eq!(ratio_percent(0, 7, Lang::Vi).unwrap(), "0,0%");
        assert_eq!(ratio_percent(1, 0, Lang::Vi), None);
    }

    #[test]
    fn ratios_above_one_are_not_capped() {
        assert_eq!(ratio_percent(11, 8, Lang::Vi).unwrap(), "137,5%");
        assert_eq!(ratio_percent(120, 8, Lang::En).unwrap(), "1,500.0%");
    }

    #[test]
    fn intervals_widen_outwards_to_the_tenth() {
        assert_eq!(interval(0.81049, 0.90101, Lang::Vi), "81,0–90,2%");
        assert_eq!(interval(0.0, 1.0, Lang::Vi), "0,0–100,0%");
    }

    #[test]
    fn dates_read_day_month_year_and_periods_include_both_ends() {
        assert_eq!(date("2026-12-02", Lang::Vi), "02/12/2026");
        assert_eq!(date("2026-12-02", Lang::En), "02/12/2026");
        assert_eq!(date("soon", Lang::Vi), "soon");
        assert_eq!(
            period("2026-11-03", "2026-12-02", Lang::Vi),
            "03/11/2026–02/12/2026"
        );
        assert_eq!(period("2026-12-02", "2026-12-02", Lang::Vi), "02/12/2026");
    }
}
