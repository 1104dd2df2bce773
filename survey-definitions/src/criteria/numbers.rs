//! Exact numbers for scoring: points to the hundredth and shares to the ten-thousandth.
//!
//! Both are integers underneath. Sums of points are then exact (no 99.99999 totals that miss a
//! 100-point check), comparisons against thresholds are exact (57 of 60 answers is exactly 95%),
//! and the same inputs give the same digits on every machine. In JSON and TOML they are written
//! as ordinary decimal numbers (`12.5`, `0.95`).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer};
use serde::{Serialize, Serializer};

use crate::Lang;

/// Largest number of points accepted anywhere (ten million): far above any real scale, low
/// enough that hundredths multiplied by answer counts fit comfortably in `u128` arithmetic.
const MAX_HUNDREDTHS: u64 = 1_000_000_000;

/// Why typed points are not points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointsError {
    /// Not digits with an optional decimal comma or point.
    NotANumber,
    /// More than two decimals.
    TooManyDecimals,
    /// Above the supported range.
    TooLarge,
}

/// A non-negative number of points, exact to the hundredth (0.01 point).
///
/// Stored as a whole number of hundredths. Values read from files or JSON must have at most two
/// decimals; computed values are rounded half up to the hundredth by the scoring engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(u64);

impl Points {
    /// No points.
    pub const ZERO: Points = Points(0);

    /// `hundredths` / 100 points; `None` above the supported range (10,000,000 points).
    pub const fn from_hundredths(hundredths: u64) -> Option<Points> {
        if hundredths <= MAX_HUNDREDTHS {
            Some(Points(hundredths))
        } else {
            None
        }
    }

    /// A whole number of points (a `u16` always fits the supported range).
    pub const fn whole(points: u16) -> Points {
        Points(points as u64 * 100)
    }

    /// The value in hundredths of a point.
    pub const fn hundredths(self) -> u64 {
        self.0
    }

    /// Reads a decimal such as `12.5`: finite, not negative, at most two decimals, at most
    /// 10,000,000. `None` otherwise.
    pub fn from_decimal(value: f64) -> Option<Points> {
        exact_scaled(value, 100).and_then(Points::from_hundredths)
    }

    /// Reads points as a person types them: digits with at most two decimals after a comma or a
    /// point (`3`, `2,5`, `2.75`), surrounding spaces ignored; no sign, no exponent.
    pub fn parse(text: &str) -> Result<Points, PointsError> {
        let text = text.trim();
        let (whole, fraction) = text.split_once([',', '.']).unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
            return Err(PointsError::NotANumber);
        }
        if fraction.len() > 2 {
            return Err(PointsError::TooManyDecimals);
        }
        let whole: u64 = whole.parse().map_err(|_| PointsError::TooLarge)?;
        let fraction: u64 = format!("{fraction:0<2}")
            .parse()
            .map_err(|_| PointsError::NotANumber)?;
        whole
            .checked_mul(100)
            .and_then(|h| h.checked_add(fraction))
            .and_then(Points::from_hundredths)
            .ok_or(PointsError::TooLarge)
    }

    /// The value as a float, e.g. for JSON. Exact to the hundredth as far as `f64` allows.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// The sum, saturating at the supported maximum.
    pub fn saturating_add(self, other: Points) -> Points {
        Points(self.0.saturating_add(other.0).min(MAX_HUNDREDTHS))
    }

    /// Written for a reader of `lang`: no trailing zeros, decimal comma in Vietnamese
    /// (`12,5`), decimal point in English (`12.5`).
    pub fn format(self, lang: Lang) -> String {
        format_scaled(self.0, 100, lang)
    }
}

impl fmt::Display for Points {
    /// English form: `15`, `12.5`, `6.25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(Lang::En))
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Points::saturating_add)
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Points, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Points::from_decimal(value).ok_or_else(|| {
            de::Error::custom(format!(
                "{value} is not a number of points: use 0 to 10000000 with at most 2 decimals"
            ))
        })
    }
}

/// A share between 0 and 1 (0% to 100%), exact to 1/10,000 (0.01 percentage point).
///
/// Thresholds in criteria files (`from = 0.70`) and reported shares use it. Stored as a whole
/// number of ten-thousandths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Share(u32);

impl Share {
    /// 0%.
    pub const ZERO: Share = Share(0);
    /// 100%.
    pub const ONE: Share = Share(Share::SCALE);
    /// Ten-thousandths in one whole.
    pub const SCALE: u32 = 10_000;

    /// `n` / 10,000; `None` above 1.
    pub const fn from_ten_thousandths(n: u32) -> Option<Share> {
        if n <= Share::SCALE {
            Some(Share(n))
        } else {
            None
        }
    }

    /// The value in ten-thousandths (`0.955` → `9550`).
    pub const fn ten_thousandths(self) -> u32 {
        self.0
    }

    /// Reads a decimal such as `0.95`: between 0 and 1, at most four decimals. `None` otherwise.
    pub fn from_decimal(value: f64) -> Option<Share> {
        exact_scaled(value, u64::from(Share::SCALE))
            .and_then(|n| u32::try_from(n).ok())
            .and_then(Share::from_ten_thousandths)
    }

    /// `numerator / denominator` rounded half up to the ten-thousandth; `None` if the
    /// denominator is 0 or the ratio is above 1.
    pub fn from_ratio(numerator: u64, denominator: u64) -> Option<Share> {
        if denominator == 0 || numerator > denominator {
            return None;
        }
        let scaled = (u128::from(numerator) * u128::from(Share::SCALE) * 2
            + u128::from(denominator))
            / (u128::from(denominator) * 2);
        Some(Share(scaled as u32))
    }

    /// The value as a float between 0 and 1.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / f64::from(Share::SCALE)
    }

    /// As a percentage for a reader of `lang`, without trailing zeros: `95%`, `84,75%` (vi),
    /// `84.75%` (en).
    pub fn percent(self, lang: Lang) -> String {
        format!("{}%", format_scaled(u64::from(self.0), 100, lang))
    }
}

impl fmt::Display for Share {
    /// English percentage: `84.75%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.percent(Lang::En))
    }
}

impl Serialize for Share {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Share, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Share::from_decimal(value).ok_or_else(|| {
            de::Error::custom(format!(
                "{value} is not a share: use 0 to 1 with at most 4 decimals"
            ))
        })
    }
}

/// `value × scale` as a whole number, if `value` is finite, not negative and has no more
/// decimals than `scale` allows. The tolerance absorbs binary representation error only
/// (`0.7 × 10000` is 7000.000000000001), never a real extra decimal.
fn exact_scaled(value: f64, scale: u64) -> Option<u64> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let scaled = value * scale as f64;
    let rounded = scaled.round();
    if (scaled - rounded).abs() > 1e-9 + scaled * 1e-12 || rounded > u64::MAX as f64 / 2.0 {
        return None;
    }
    Some(rounded as u64)
}

/// `n / divisor` written with just the decimals it needs.
fn format_scaled(n: u64, divisor: u64, lang: Lang) -> String {
    let whole = n / divisor;
    let fraction = n % divisor;
    if fraction == 0 {
        return whole.to_string();
    }
    let width = divisor.ilog10() as usize;
    let digits = format!("{fraction:0width$}");
    // A supplied language is read in Vietnam, where numbers take a decimal comma.
    let separator = match lang {
        Lang::Vi | Lang::Supplied(_) => ',',
        Lang::En => '.',
    };
    format!("{whole}{separator}{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_read_decimals_with_at_most_two_places() {
        assert_eq!(Points::from_decimal(12.5), Some(Points(1250)));
        assert_eq!(Points::from_decimal(0.1), Some(Points(10)));
        assert_eq!(Points::from_decimal(6.25), Some(Points(625)));
        assert_eq!(Points::from_decimal(100.0), Some(Points::whole(100)));
        for bad in [12.345, -1.0, f64::NAN, f64::INFINITY, 1e12] {
            assert_eq!(Points::from_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn points_are_written_without_trailing_zeros_in_each_language() {
        let p = Points::from_decimal(12.5).unwrap();

        assert_eq!(p.format(Lang::Vi), "12,5");
        assert_eq!(p.to_string(), "12.5");
        assert_eq!(Points::whole(15).to_string(), "15");
        assert_eq!(Points(605).to_string(), "6.05");
    }

    #[test]
    fn points_sum_exactly() {
        let tenths: Points = std::iter::repeat_n(Points(10), 1000).sum();

        assert_eq!(tenths, Points::whole(100));
    }

    #[test]
    fn shares_read_decimals_between_0_and_1() {
        assert_eq!(Share::from_decimal(0.7), Some(Share(7000)));
        assert_eq!(Share::from_decimal(0.955), Some(Share(9550)));
        assert_eq!(Share::from_decimal(1.0), Some(Share::ONE));
        for bad in [1.01, -0.1, 0.12345, f64::NAN] {
            assert_eq!(Share::from_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn ratios_round_half_up_to_the_ten_thousandth() {
        assert_eq!(Share::from_ratio(57, 60), Some(Share(9500)));
        assert_eq!(Share::from_ratio(1, 3), Some(Share(3333)));
        assert_eq!(Share::from_ratio(2, 3), Some(Share(6667)));
        assert_eq!(Share::from_ratio(1, 0), None);
        assert_eq!(Share::from_ratio(3, 2), None);
    }

    #[test]
    fn shares_are_written_as_percentages() {
        assert_eq!(Share(9500).percent(Lang::Vi), "95%");
        assert_eq!(Share(8475).percent(Lang::Vi), "84,75%");
        assert_eq!(Share(8475).to_string(), "84.75%");
        assert_eq!(Share(8470).to_string(), "84.7%");
    }
}
