//! Tablets at a desk that collect ratings (kiosks): enrolment and approval, the kiosk's page and
//! its offline queue, per-desk quotas, and the flags that hold a tablet's doubtful ratings.

pub mod api;
#[cfg(feature = "ssr")]
pub mod calibration;
pub mod model;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod traffic;
