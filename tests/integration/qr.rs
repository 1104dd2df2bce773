//! QR images decode to the desk's full public survey URL.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{both_backends, TestApp, PUBLIC_URL};

both_backends!(
    the_png_qr_code_decodes_to_the_public_survey_url,
    the_svg_qr_code_decodes_to_the_public_survey_url,
    an_unknown_desk_has_no_qr_code,
    the_posters_second_code_opens_the_large_type_survey
);

fn decode(image: image::GrayImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("the QR code decodes").1
}

async fn the_png_qr_code_decodes_to_the_public_survey_url(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;

    let response = app.get(&format!("/q/{code}/qr.png")).await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers["content-type"], "image/png");
    let image = image::load_from_memory(&response.body).unwrap().to_luma8();
    assert!(image.width() >= 320);
    assert_eq!(decode(image), format!("{PUBLIC_URL}/q/{code}"));
}

async fn the_svg_qr_code_decodes_to_the_public_survey_url(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;

    let response = app.get(&format!("/q/{code}/qr.svg")).await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers["content-type"], "image/svg+xml");
    let svg = response.text();
    assert_eq!(
        decode(rasterize_qr_svg(&svg)),
        format!("{PUBLIC_URL}/q/{code}")
    );
}

async fn the_posters_second_code_opens_the_large_type_survey(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;

    let poster = app.get(&format!("/q/{code}/poster")).await.text();
    assert!(
        poster.contains(&format!("src=\"/q/{code}/qr-large.svg\"")),
        "the poster prints the second code"
    );
    assert!(poster.contains("Nghe đọc"), "and says what it is for");

    let response = app.get(&format!("/q/{code}/qr-large.svg")).await;
    assert_eq!(response.status, StatusCode::OK);
    let url = decode(rasterize_qr_svg(&response.text()));
    assert_eq!(url, format!("{PUBLIC_URL}/q/{code}/text?size=large"));

    // The link it encodes switches the survey to large type.
    let path = url.strip_prefix(PUBLIC_URL).unwrap();
    let asked = app.get(path).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(asked.location(), Some(format!("/q/{code}").as_str()));
    let large = app
        .get_as(&format!("/q/{code}"), Some("hl_text=large"))
        .await
        .text();
    assert!(large.contains("class=\"large-type\""));
    assert!(large.contains("Nghe đọc"), "the questions can be heard");

    assert_eq!(
        app.get("/q/zzzzzzzzzzzz/qr-large.svg").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn an_unknown_desk_has_no_qr_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let response = app.get("/q/zzzzzzzzzzzz/qr.svg").await;

    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

/// Rasterises the SVG the `qrcode` crate writes: a white background and one black path made of
/// `M{x} {y}h{w}v{h}h-{w}z` squares, so this tiny reader is enough to decode it without a renderer.
fn rasterize_qr_svg(svg: &str) -> image::GrayImage {
    let attr = |name: &str| -> u32 {
        let at = svg.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        svg[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (width, height) = (attr("width"), attr("height"));
    let mut img = image::GrayImage::from_pixel(width, height, image::Luma([255]));
    let d_at = svg.find(" d=\"").expect("a path") + 4;
    let d = svg[d_at..].split('"').next().unwrap();
    for square in d.split('M').filter(|s| !s.is_empty()) {
        let nums: Vec<u32> = square
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let (x, y, w, h) = (nums[0], nums[1], nums[2], nums[3]);
        for yy in y..(y + h).min(height) {
            for xx in x..(x + w).min(width) {
                img.put_pixel(xx, yy, image::Luma([0]));
            }
        }
    }
    img
}
