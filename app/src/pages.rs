//! Pages that belong to no feature: the home page and the not-found page.

pub mod home;
pub mod not_found;
