//! Periodic reports (a month, quarter, half-year or year) for one commune or the province: the
//! period a report covers and its figures, read with the dashboard's definitions
//! (`crate::figures`) so a report and the page agree for the same days.

#[cfg(feature = "ssr")]
pub mod figures;
pub mod kept;
#[cfg(feature = "ssr")]
pub mod period;

#[cfg(feature = "ssr")]
pub use figures::*;
#[cfg(feature = "ssr")]
pub use period::{PeriodError, ReportPeriod};
