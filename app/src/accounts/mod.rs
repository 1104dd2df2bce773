//! Staff accounts: roles and who may see what, sign-in with its limits and sessions, and the
//! administrator's pages (users, audit log, sign-in limits).

pub mod admin;
pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod login;
#[cfg(feature = "ssr")]
pub mod users;
