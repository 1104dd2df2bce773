//! Routes outside Leptos pages.

pub mod account;
pub mod health;
pub mod qr;
pub mod security;
pub mod survey_form;
