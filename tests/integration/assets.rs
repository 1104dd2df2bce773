//! Static assets: pages link the files of `pkg/` by content-hashed names, served precompressed
//! and kept by browsers for a year. These tests need the built site (`scripts/build-site.sh`), as
//! the browser tests do; they run on SQLite only, since no asset depends on the database.

use app::store::Backend;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hailong_tests::{site_root, TestApp, TestResponse};
use sha2::{Digest, Sha256};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

async fn app_on_the_built_site() -> TestApp {
    let manifest = site_root().join(app::assets::MANIFEST);
    assert!(
        manifest.exists(),
        "{} is missing: build the site first (scripts/build-site.sh; scripts/test.sh does)",
        manifest.display()
    );
    TestApp::spawn(Backend::Sqlite).await
}

/// Every `/pkg/…` URL quoted in the page, in order, each once.
fn pkg_urls(html: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for (at, _) in html.match_indices("\"/pkg/") {
        let rest = &html[at + 1..];
        let url = rest[..rest.find('"').expect("a closing quote")].to_string();
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

/// The hash in `/pkg/{stem}.{hash}.{extension}`: 16 hex digits, as `scripts/build-site.sh` writes.
fn hash_in(url: &str) -> Option<&str> {
    let name = url.strip_prefix("/pkg/")?;
    let mut parts = name.rsplitn(3, '.');
    let (_extension, hash, _stem) = (parts.next()?, parts.next()?, parts.next()?);
    (hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hash)
}

async fn fetch(app: &TestApp, url: &str, encoding: &str) -> TestResponse {
    app.request(
        Request::get(url)
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

/// What a phone gets for a hashed URL: the brotli copy, cacheable for a year, and content whose
/// SHA-256 starts with the hash in the name. Returns the uncompressed content.
async fn assert_served_hashed(app: &TestApp, url: &str) -> Vec<u8> {
    let hash = hash_in(url).unwrap_or_else(|| panic!("{url} carries no content hash"));

    let br = fetch(app, url, "br").await;
    assert_eq!(br.status, StatusCode::OK, "{url}");
    assert_eq!(br.headers[header::CONTENT_ENCODING], "br", "{url}");
    assert_eq!(br.headers[header::CACHE_CONTROL], IMMUTABLE, "{url}");
    assert!(
        br.headers
            .get_all(header::VARY)
            .iter()
            .any(|v| v.as_bytes().eq_ignore_ascii_case(b"accept-encoding")),
        "{url}: {:?}",
        br.headers
    );
    let precompressed = std::fs::read(site_root().join(format!("{}.br", &url[1..])))
        .unwrap_or_else(|e| panic!("{url}.br on disk: {e}"));
    assert_eq!(br.body, precompressed, "{url}: the precompressed copy");

    let gzip = fetch(app, url, "gzip").await;
    assert_eq!(gzip.headers[header::CONTENT_ENCODING], "gzip", "{url}");

    let raw = fetch(app, url, "identity").await;
    assert_eq!(raw.status, StatusCode::OK, "{url}");
    assert!(raw.headers.get(header::CONTENT_ENCODING).is_none(), "{url}");
    assert_eq!(raw.headers[header::CACHE_CONTROL], IMMUTABLE, "{url}");
    let digest = format!("{:x}", Sha256::digest(&raw.body));
    assert_eq!(
        &digest[..16],
        hash,
        "{url}: the name's hash is its content's"
    );
    raw.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_survey_page_links_hashed_assets_kept_for_a_year() {
    let app = app_on_the_built_site().await;
    let code = app.any_desk_code().await;

    let page = app.get(&format!("/q/{code}")).await;

    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let urls = pkg_urls(&html);
    let linked = |extension: &str| {
        urls.iter()
            .find(|u| u.ends_with(extension))
            .unwrap_or_else(|| panic!("no {extension} in {urls:?}"))
            .clone()
    };
    let (css, js, wasm) = (linked(".css"), linked(".js"), linked(".wasm"));
    assert!(
        html.contains(&format!("rel=\"stylesheet\" href=\"{css}\"")),
        "the stylesheet: {html:.1500}"
    );
    // The hydration script imports the same files it preloads.
    for url in [&js, &wasm] {
        let stem = url["/pkg/".len()..]
            .rsplit_once('.')
            .expect("an extension")
            .0;
        assert!(
            html.contains(&format!("\"{stem}\"")),
            "hydration imports {stem}"
        );
    }
    for url in &urls {
        if url.ends_with(".mp3") {
            // A spoken clip is named after its words, not its bytes, and MP3 is sent as it
            // is: never reused for other words, so kept for a year too.
            let clip = fetch(&app, url, "br, gzip").await;
            assert_eq!(clip.status, StatusCode::OK, "{url}");
            assert!(
                clip.headers.get(header::CONTENT_ENCODING).is_none(),
                "{url}"
            );
            assert_eq!(clip.headers[header::CACHE_CONTROL], IMMUTABLE, "{url}");
            assert_eq!(clip.headers[header::CONTENT_TYPE], "audio/mpeg", "{url}");
        } else {
            assert_served_hashed(&app, url).await;
        }
    }
    let glue = String::from_utf8(assert_served_hashed(&app, &js).await).expect("JS is text");
    assert!(
        glue.contains(&wasm["/pkg/".len()..]),
        "the wasm-bindgen glue names the hashed WASM by itself too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_pages_and_their_error_pages_link_hashed_assets() {
    let app = app_on_the_built_site().await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    let leader = app.login("leader25195").await;

    let dashboard = app.get_as("/commune", Some(&leader.cookie)).await.text();
    let kiosks = app.get_as("/kiosks", Some(&leader.cookie)).await.text();
    let refused = app
        .post_as("/kiosks", &[("_csrf", "x"), ("desk", "1")], None)
        .await;

    let assets = &app.state.assets;
    for (page, name) in [
        (&dashboard, "dashboard.js"),
        (&kiosks, "kiosk.css"),
        (&refused.text(), "hailong.css"),
    ] {
        let url = assets.url(name);
        assert!(page.contains(&url), "{name} as {url}: {page:.1500}");
        assert_served_hashed(&app, &url).await;
    }
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // The kiosk screen needs an enrolled tablet: tests/integration/kiosk.rs checks that it
    // links this URL.
    assert_served_hashed(&app, &assets.url("kiosk.js")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_names_are_not_shipped_and_misses_are_not_kept() {
    let app = app_on_the_built_site().await;

    for url in ["/pkg/hailong.css", "/pkg/hailong_bg.wasm", "/pkg/kiosk.js"] {
        let response = fetch(&app, url, "br").await;

        assert_eq!(response.status, StatusCode::NOT_FOUND, "{url}");
        assert_eq!(response.headers[header::CACHE_CONTROL], "no-cache", "{url}");
    }
}

/// Copies the files of `from` into `to`, folders included.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the site") {
        let entry = entry.expect("a site entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("its type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_previous_builds_files_are_still_served_after_a_deploy() {
    app_on_the_built_site().await;
    // A site as scripts/build-site.sh leaves it after a deploy: this build's files, plus the
    // style of the build before, which a page loaded before the deploy still links.
    let site = std::env::temp_dir().join(format!("hailong-site-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&site);
    copy_tree(&site_root(), &site);
    let old_style = "body { color: black }\n";
    std::fs::write(site.join("pkg/hailong.0123456789abcdef.css"), old_style).unwrap();
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.site_root = site.clone()).await;

    let response = fetch(&app, "/pkg/hailong.0123456789abcdef.css", "identity").await;
    let page = app.get("/login").await;
    let _ = std::fs::remove_dir_all(&site);

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers[header::CACHE_CONTROL], IMMUTABLE);
    assert_eq!(response.text(), old_style);
    assert!(
        !page.text().contains("0123456789abcdef"),
        "new pages link this build's files"
    );
}
