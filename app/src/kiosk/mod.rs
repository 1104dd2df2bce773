//! Tablets at a desk that collect ratings (kiosks): enrolment and approval, the kiosk's page and
//! its offline queue, per-desk quotas, and the flags that hold a tablet's doubtful ratings.

pub mod api;
pub mod model;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;
