//! One module per page.

pub mod admin;
pub mod assessment;
pub mod commune;
pub mod dashboard;
pub mod desks;
pub mod home;
pub mod kiosk;
pub mod login;
pub mod not_found;
pub mod poster;
pub mod ranking;
pub mod report;
pub mod review;
pub mod survey;
pub mod thanks;
