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

async fn desk_url(state: &AppState, code: &str) -> Result<String, Response> {
    match state.store.find_desk(code).await {
        Ok(Some(desk)) if !desk.is_retired() => Ok(state.survey_url(&desk.public_code)),
        Ok(_) => Err((
            StatusCode::NOT_FOUND,
            "Không tìm thấy quầy tiếp nhận / Desk not found",
        )
            .into_response()),
        Err(e) => {
            tracing::error!("qr: {e}");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

fn encode(url: &str) -> Result<QrCode, Response> {
    QrCode::with_error_correction_level(url, EC_LEVEL).map_err(|e| {
        tracing::error!("qr encode: {e}");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })
}

pub async fn qr_svg(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let result = async {
        let url = desk_url(&state, &code).await?;
        let svg = encode(&url)?
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(MIN_SIZE_PX, MIN_SIZE_PX)
            .quiet_zone(true)
            .build();
        Ok::<_, Response>(
            (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                svg,
            )
                .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|r| r)
}

pub async fn qr_png(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let result = async {
        let url = desk_url(&state, &code).await?;
        let image = encode(&url)?
            .render::<image::Luma<u8>>()
            .min_dimensions(MIN_SIZE_PX, MIN_SIZE_PX)
            .quiet_zone(true)
            .build();
        let mut png = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| {
                tracing::error!("qr png: {e}");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            })?;
        Ok::<_, Response>(
            (
                [
                    (header::CONTENT_TYPE, "image/png"),
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                png,
            )
                .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|r| r)
}
