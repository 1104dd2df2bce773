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

/// Which page of an open desk a QR code opens.
#[derive(Clone, Copy)]
enum Opens {
    /// The survey (the poster's main code, the slips' base).
    Survey,
    /// The survey in large type, through the link that sets it (the poster's second code).
    LargeType,
}

/// The QR code of an open desk's public survey URL, or of its large-type link.
async fn desk_qr(state: &AppState, code: &str, opens: Opens) -> Result<QrCode, QrError> {
    let survey = match state.store.find_desk(code).await {
        Ok(Some(desk)) if !desk.is_retired() => state.survey_url(&desk.public_code),
        Ok(_) => return Err(QrError::UnknownDesk),
        Err(e) => return Err(internal("qr desk", e)),
    };
    let url = match opens {
        Opens::Survey => survey,
        Opens::LargeType => format!("{survey}/text?size=large"),
    };
    QrCode::with_error_correction_level(url, EC_LEVEL).map_err(|e| internal("qr encode", e))
}

fn svg_response(qr: QrCode) -> Response {
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(MIN_SIZE_PX, MIN_SIZE_PX)
        .quiet_zone(true)
        .build();
    image_response("image/svg+xml", svg)
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
    Ok(svg_response(desk_qr(&state, &code, Opens::Survey).await?))
}

/// The poster's second code: the survey in large type, with its spoken questions.
pub async fn large_type_qr_svg(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, QrError> {
    Ok(svg_response(
        desk_qr(&state, &code, Opens::LargeType).await?,
    ))
}

pub async fn qr_png(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, QrError> {
    let image = desk_qr(&state, &code, Opens::Survey)
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

/// The slips' own stylesheet: A6 pages, one slip each. Served at `/slips.css` (the pages' policy
/// admits stylesheets of this site only) and written into the file `hailong slips` makes.
pub const SLIP_CSS: &str = "\
@page{size:A6 portrait;margin:7mm}\
body{font-family:system-ui,sans-serif;color:#111;margin:0}\
.slip{text-align:center;break-after:page;page-break-after:always;padding:2mm 0}\
.slip:last-child{break-after:auto;page-break-after:auto}\
.slip h1{font-size:13pt;margin:0 0 1mm}\
.slip .desk{font-size:9pt;margin:0 0 2mm}\
.slip .code{font-size:12pt;font-weight:700;letter-spacing:.02em;margin:1mm 0}\
.slip svg{width:58mm;height:58mm;display:block;margin:0 auto}\
.slip .how{font-size:9pt;text-align:left;margin:2mm 0 1mm}\
.slip .url{font-size:7pt;word-break:break-all;color:#333;margin:0}\
.slips-bar{padding:1rem}\
@media screen{.slip{width:105mm;margin:1rem auto;border:1px dashed #999;padding:6mm}}\
@media print{.slips-bar{display:none}}";

/// Where the slips' stylesheet comes from: the site (pages served under the policy) or the
/// file itself (a file printed from disk).
pub enum SlipStyle<'a> {
    Linked(&'a str),
    Inline,
}

/// The printable page of slips (phiếu hẹn trả kết quả) of one desk, one A6 page per dossier:
/// the QR of the dossier's survey link, the code and what to do, in Vietnamese.
pub fn slips_html(
    desk_name: &str,
    commune_name: &str,
    desk_survey_url: &str,
    codes: &[String],
    style: SlipStyle<'_>,
) -> Result<String, String> {
    let head_style = match style {
        SlipStyle::Linked(href) => format!("<link rel=\"stylesheet\" href=\"{}\">", escape(href)),
        SlipStyle::Inline => format!("<style>{SLIP_CSS}</style>"),
    };
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Phiếu hẹn có mã QR đánh giá · {}</title>{head_style}</head><body>\
         <p class=\"slips-bar\">{} phiếu · khổ A6 · dùng lệnh In của trình duyệt.</p>",
        escape(desk_name),
        codes.len()
    );
    for code in codes {
        let url = app::domain::dossier_code::dossier_survey_url(desk_survey_url, code);
        let svg = QrCode::with_error_correction_level(url.as_bytes(), EC_LEVEL)
            .map_err(|e| e.to_string())?
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build();
        // Inline SVG: the XML declaration belongs to a file, not to a page.
        let svg = svg.find("<svg").map_or(svg.as_str(), |at| &svg[at..]);
        html.push_str(&format!(
            "<section class=\"slip\"><h1>Đánh giá sự phục vụ</h1>\
             <p class=\"desk\">{} · {}</p>\
             <p class=\"code\">Mã hồ sơ: {}</p>{svg}\
             <p class=\"how\">Khi nhận kết quả, Ông/Bà vui lòng quét mã QR bằng điện thoại \
             (Zalo hoặc máy ảnh) để đánh giá sự phục vụ. Mã hồ sơ đã được điền sẵn; phiếu không \
             ghi tên và chỉ mất khoảng một phút.</p><p class=\"url\">{}</p></section>",
            escape(desk_name),
            escape(commune_name),
            escape(code),
            escape(&url)
        ));
    }
    html.push_str("</body></html>");
    Ok(html)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The staff routes of slips: the form, the printable page, and its stylesheet.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/desks/{code}/slips", get(slips_form).post(slips_print))
        .route("/desks/{code}/name", get(name_form).post(name_save))
        .route("/slips.css", get(slips_css))
}

async fn slips_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SLIP_CSS,
    )
        .into_response()
}

/// The desk, if the signed-in user looks after it (the province admin every desk, a district
/// reviewer its district's, commune staff their commune's).
async fn my_desk(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    code: &str,
    csrf: Option<&str>,
) -> Result<(app::store::desks::DeskRow, app::domain::roles::Me), Response> {
    use super::problem::{internal, problem};
    use app::domain::roles::Role;
    let me = super::signed_in::authorize(
        state,
        headers,
        &[
            Role::ProvinceAdmin,
            Role::DistrictReviewer,
            Role::ProvinceReviewer,
            Role::CommuneLeader,
            Role::CommuneOfficer,
        ],
        csrf,
    )
    .await?;
    let desk = match state.store.find_desk(code).await {
        Ok(Some(desk)) if !desk.is_retired() => desk,
        Ok(_) => {
            return Err(problem(
                StatusCode::NOT_FOUND,
                "Không tìm thấy quầy tiếp nhận.",
            ))
        }
        Err(e) => return Err(internal(e)),
    };
    let mine = match me.role {
        Role::ProvinceAdmin => true,
        Role::DistrictReviewer => me.unit_code.as_deref() == Some(&desk.review_district_code),
        Role::CommuneLeader | Role::CommuneOfficer => {
            me.unit_code.as_deref() == Some(&desk.commune_code)
        }
        Role::ProvinceReviewer => me.assigned.contains(&desk.answers_to),
    };
    if !mine {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "Tài khoản của ông/bà không được in phiếu cho quầy này.",
        ));
    }
    Ok((desk, me))
}

fn html_page(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// The form: one code, or a list pasted from the one-stop system's CSV export.
async fn slips_form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let (desk, me) = match my_desk(&state, &headers, &code, None).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    html_page(StatusCode::OK, slips_page(&state, &desk, &me, "", None))
}

/// The slips form with the navigation bar, filled with `codes`, and a refusal under the list.
fn slips_page(
    state: &AppState,
    desk: &app::store::desks::DeskRow,
    me: &app::domain::roles::Me,
    codes: &str,
    problem: Option<&str>,
) -> String {
    let problem = problem
        .map(|p| {
            format!(
                "<p class=\"error\" id=\"err-codes\" role=\"alert\">{}</p>",
                escape(p)
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>In phiếu hẹn có mã QR — Hài Lòng</title><link rel=\"stylesheet\" href=\"{}\"></head>\
         <body>{}<main class=\"page narrow\"><h1>In phiếu hẹn trả kết quả có mã QR đánh giá</h1>\
         <p>{} · {}</p>\
         <form method=\"post\" action=\"/desks/{}/slips\" class=\"stack\">\
         <input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
         <label for=\"codes\">Mã hồ sơ: mỗi dòng một mã, hoặc dán nội dung tệp CSV (cột đầu là mã \
         hồ sơ)</label>\
         <textarea id=\"codes\" name=\"codes\" rows=\"10\" required \
         aria-describedby=\"err-codes\">{}</textarea>{problem}\
         <p class=\"help\">Ví dụ: {}. Mỗi hồ sơ được in một phiếu khổ A6 với mã QR dẫn tới phiếu \
         đánh giá đã điền sẵn mã hồ sơ.</p>\
         <button type=\"submit\" class=\"submit\">Tạo phiếu để in</button></form>\
         <p><a href=\"/desks\">Quay lại danh sách quầy</a></p></main></body></html>",
        state.assets.url("hailong.css"),
        super::problem::nav_html(Some(me)),
        escape(&desk.name),
        escape(&desk.commune_name),
        escape(&desk.public_code),
        escape(&me.csrf),
        escape(codes),
        escape(state.settings.dossier_pattern.example()),
    )
}

#[derive(serde::Deserialize)]
struct SlipsForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    codes: String,
}

/// The printable page; a list with a malformed code is refused whole, naming the line.
async fn slips_print(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    form: Result<axum::extract::Form<SlipsForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let axum::extract::Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return super::problem::unreadable_form(rejection),
    };
    let (desk, me) = match my_desk(&state, &headers, &code, Some(&form.csrf)).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let codes = match app::survey::slips::parse_codes(&form.codes, &state.settings.dossier_pattern)
    {
        Ok(codes) => codes,
        Err(e) => {
            // The list comes back as pasted, the line at fault named under it.
            let page = slips_page(&state, &desk, &me, &form.codes, Some(&e.to_string()));
            return html_page(StatusCode::UNPROCESSABLE_ENTITY, page);
        }
    };
    match slips_html(
        &desk.name,
        &desk.commune_name,
        &state.survey_url(&desk.public_code),
        &codes,
        SlipStyle::Linked("/slips.css"),
    ) {
        Ok(html) => html_page(StatusCode::OK, html),
        Err(e) => super::problem::internal(e),
    }
}

/// Who may rename a desk: the province admin, and the leader of the desk's commune (the
/// reviewers look after desks but do not name them).
fn may_rename(me: &app::domain::roles::Me) -> bool {
    use app::domain::roles::Role;
    matches!(me.role, Role::ProvinceAdmin | Role::CommuneLeader)
}

fn name_page(
    state: &AppState,
    desk: &app::store::desks::DeskRow,
    me: &app::domain::roles::Me,
    values: (&str, &str),
    problem: Option<&str>,
) -> String {
    let problem = problem
        .map(|p| format!("<p class=\"field-error\" role=\"alert\">{}</p>", escape(p)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Đổi tên quầy — {}</title><link rel=\"stylesheet\" href=\"{}\"></head><body>{}\
         <main class=\"page narrow\"><h1>Đổi tên quầy tiếp nhận</h1><p>{} · mã quầy {}</p>\
         <form method=\"post\" action=\"/desks/{}/name\" class=\"stack\">\
         <input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
         <label for=\"name\">Tên quầy (tiếng Việt)</label>{problem}\
         <input id=\"name\" name=\"name\" value=\"{}\" maxlength=\"{}\" required>\
         <label for=\"name_en\">Tên tiếng Anh (để trống: giữ như tiếng Việt)</label>\
         <input id=\"name_en\" name=\"name_en\" value=\"{}\" maxlength=\"{}\">\
         <p class=\"help\">Tên hiện trên phiếu khảo sát, áp phích QR, máy đánh giá và báo cáo. \
         Mặc định theo Nghị định 118/2025/NĐ-CP: Trung tâm Phục vụ hành chính công xã/phường …</p>\
         <button type=\"submit\" class=\"submit\">Lưu tên mới</button></form>\
         <p><a href=\"/desks\">Quay lại danh sách quầy</a></p></main></body></html>",
        escape(&desk.name),
        state.assets.url("hailong.css"),
        super::problem::nav_html(Some(me)),
        escape(&desk.commune_name),
        escape(&desk.public_code),
        escape(&desk.public_code),
        escape(&me.csrf),
        escape(values.0),
        app::survey::desk::DESK_NAME_MAX,
        escape(values.1),
        app::survey::desk::DESK_NAME_MAX,
    )
}

/// The rename form, filled with the desk's names.
async fn name_form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let (desk, me) = match my_desk(&state, &headers, &code, None).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    if !may_rename(&me) {
        return super::problem::problem(
            StatusCode::FORBIDDEN,
            "Chỉ lãnh đạo xã và quản trị cấp tỉnh được đổi tên quầy.",
        );
    }
    let html = name_page(&state, &desk, &me, (&desk.name, &desk.name_en), None);
    html_page(StatusCode::OK, html)
}

#[derive(serde::Deserialize)]
struct NameForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
}

/// Saves a desk's new names; a name that is empty, too long or holds control characters is
/// shown again with its error and the input kept.
async fn name_save(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    form: Result<axum::extract::Form<NameForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let axum::extract::Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return super::problem::unreadable_form(rejection),
    };
    let (desk, me) = match my_desk(&state, &headers, &code, Some(&form.csrf)).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    if !may_rename(&me) {
        return super::problem::problem(
            StatusCode::FORBIDDEN,
            "Chỉ lãnh đạo xã và quản trị cấp tỉnh được đổi tên quầy.",
        );
    }
    let names = app::survey::desk::desk_name(&form.name).and_then(|vi| {
        let en = if form.name_en.trim().is_empty() {
            vi.clone()
        } else {
            app::survey::desk::desk_name(&form.name_en)?
        };
        Ok((vi, en))
    });
    let (vi, en) = match names {
        Ok(names) => names,
        Err(message) => {
            let html = name_page(
                &state,
                &desk,
                &me,
                (&form.name, &form.name_en),
                Some(message),
            );
            return html_page(StatusCode::UNPROCESSABLE_ENTITY, html);
        }
    };
    match state
        .store
        .rename_desk(desk.id, &vi, &en, Some(me.id), &me.username)
        .await
    {
        Ok(()) => axum::response::Redirect::to("/desks?ok=renamed").into_response(),
        Err(e) => super::problem::internal(e),
    }
}
