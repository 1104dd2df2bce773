//! The citizen's survey: the desk a QR code names, the form, the answer's path from the post to
//! the database (abuse checks, flags, the group-commit writer), the thank-you page, the desk's
//! poster, and the reviewer's queue of held answers.

pub mod api;
pub mod desk;
pub mod desks;
pub mod model;
pub mod page;
pub mod poster;
pub mod review;
#[cfg(feature = "ssr")]
pub mod slips;
#[cfg(feature = "ssr")]
pub mod submit;
pub mod thanks;
