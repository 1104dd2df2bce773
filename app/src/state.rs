//! The one state struct shared by axum routes and server functions (provided as Leptos context).

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use survey_definitions::Definitions;

use crate::store::Store;

/// Settings the pages and routes read at run time.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Public base URL printed in QR codes (no trailing slash), e.g. `https://hailong.example.vn`.
    pub public_url: String,
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub definitions: Arc<Definitions>,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// The full public URL of a desk's survey: what its QR code encodes.
    pub fn survey_url(&self, public_code: &str) -> String {
        format!("{}/q/{public_code}", self.settings.public_url)
    }
}
