//! The province's own satisfaction survey beside the desk's.
//!
//! A province surveys the people of each commune itself (Đồng Nai 2025: 30 SIPAS forms per
//! commune, sent by Zalo or e-mail). Its per-commune results are imported from CSV
//! (`hailong independent import`), shown beside the desk's figure for the same days with both
//! 95% intervals, and a desk whose share is far above the province's is flagged: answers given
//! under the staff's eyes, or citizens steered to the QR code, raise the desk's share and not
//! the province's. A criteria set may also score on the province's figure (`independent_survey`
//! leaves).

mod comparison;
pub use comparison::ComparisonText;

#[cfg(feature = "ssr")]
mod ssr;
#[cfg(feature = "ssr")]
pub use ssr::*;
