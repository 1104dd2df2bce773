//! QR code images of a desk's survey URL (the full public URL, since posters are printed for the
//! real domain). SVG for posters (sharp at any size), PNG for documents and messaging apps.

use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use qrcode::{EcLevel, QrCode};

/// Medium error correction survives a smudged or creased poster while keeping the code small.
const EC_LEVEL: EcLevel = EcLevel::M;
const MIN_SIZE_PX: u32 = 320;

/// Why a QR image cannot be served.
pub enum QrError {
    UnknownDesk,
    Internal,
}

impl IntoResponse for QrError {
    fn into_response(self) -> Response {
        match self {
            QrError::UnknownDesk => (
                StatusCode::NOT_FOUND,
                "Không tìm thấy quầy tiếp nhận / Desk not found",
            )
                .into_response(),
            QrError::Internal => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

fn internal(context: &str, e: impl std::fmt::Display) -> QrError {
    tracing::error!("{context}: {e}");
    QrError::Internal
}

/// The QR code of an open desk's public survey URL.
async fn desk_qr(state: &AppState, code: &str) -> Result<QrCode, QrError> {
    let url = match state.store.find_desk(code).await {
        Ok(Some(desk)) if !desk.is_retired() => state.survey_url(&desk.public_code),
        Ok(_) => return Err(QrError::UnknownDesk),
        Err(e) => return Err(internal("qr desk", e)),
    };
    QrCode::with_error_correction_level(url, EC_LEVEL).map_err(|e| internal("qr encode", e))
}

fn image_response(content_type: &'static str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

pub async fn qr_svg(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, QrError> {
    let svg = desk_qr(&state, &code)
        .await?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(MIN_SIZE_PX, MIN_SIZE_PX)
        .quiet_zone(true)
        .build();
    Ok(image_response("image/svg+xml", svg))
}

pub async fn qr_png(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, QrError> {
    let image = desk_qr(&state, &code)
        .await?
        .render::<image::Luma<u8>>()
        .min_dimensions(MIN_SIZE_PX, MIN_SIZE_PX)
        .quiet_zone(true)
        .build();
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| internal("qr png", e))?;
    Ok(image_response("image/png", png))
}
