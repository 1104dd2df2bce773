//! Routes outside Leptos pages.

pub mod health;
pub mod qr;
pub mod survey_form;
