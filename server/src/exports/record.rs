//! A row of an export and its cells, the file formats, and why an export is refused.

use std::borrow::Cow;

use app::store::StoreError;

/// One cell of an exported row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// `value / 10^decimals`, written without trailing zeros (`8475, 2` → `84.75`).
    Decimal {
        value: i64,
        decimals: u32,
    },
    Empty,
}

impl Cell {
    /// The cell's value as text, numbers with a decimal point (a CSV field neutralises text
    /// further: see `crate::csv::neutralise`).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Decimal { value, decimals } => Cow::Owned(decimal(*value, *decimals)),
            Cell::Empty => Cow::Borrowed(""),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

/// One row of an export.
pub type Record = Vec<Cell>;

fn decimal(value: i64, decimals: u32) -> String {
    let scale = 10i64.pow(decimals);
    let sign = if value < 0 { "-" } else { "" };
    let (whole, frac) = (value.abs() / scale, value.abs() % scale);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{frac:0width$}", width = decimals as usize);
    format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
}

/// The file formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// Why an export was refused or failed; the routes map these to 400, 403, 404 and 500.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A filter the user can correct (a malformed date, an unknown code).
    #[error("{0}")]
    BadRequest(String),
    /// Data outside the user's commune or district.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing to export yet (no score run).
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `hailong-{what}[-{code}]-{today}.{ext}`: what the file holds and when it was made.
pub fn file_name(what: &str, codes: &[Option<&str>], format: ExportFormat) -> String {
    let mut name = format!("hailong-{what}");
    for code in codes.iter().flatten() {
        name.push('-');
        name.push_str(code);
    }
    format!(
        "{name}-{}.{}",
        app::clock::today_date().format("%Y-%m-%d"),
        format.extension()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_drop_trailing_zeros() {
        assert_eq!(decimal(8475, 2), "84.75");
        assert_eq!(decimal(8500, 2), "85");
        assert_eq!(decimal(8450, 2), "84.5");
        assert_eq!(decimal(5, 2), "0.05");
        assert_eq!(decimal(0, 2), "0");
    }
}
