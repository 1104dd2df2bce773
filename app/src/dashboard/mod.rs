//! What commune leaders and the province watch: the commune's figures, complaints to follow up,
//! and the live updates that keep them current.

pub mod api;
pub mod heatmap;
pub mod page;
pub mod view;
