//! The webhook: a POST of a small JSON document (`app::alerts::message::WebhookEvent`) signed
//! with HMAC-SHA256 of the body under `HAILONG_WEBHOOK_SECRET`, sent as
//! `X-HaiLong-Signature: sha256=<hex>`. A 2xx answer is delivered; a 5xx, a 429, a timeout or
//! no connection are retried; any other answer is a refusal, not retried.

use std::time::Duration;

use axum::body::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;

use super::failure::Failure;
use super::settings::WebhookSettings;

/// How long one call may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-hailong-signature";

type Connector = hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;

pub struct Webhook {
    client: Client<Connector, Full<Bytes>>,
    secret: String,
}

/// `sha256=<hex>` of HMAC-SHA256 over `body` with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

impl Webhook {
    pub fn new(settings: &WebhookSettings) -> anyhow::Result<Webhook> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Webhook {
            client: Client::builder(TokioExecutor::new()).build(connector),
            secret: settings.secret.clone(),
        })
    }

    /// Posts `body` (JSON) to `url` as delivery `delivery`.
    pub async fn post(&self, url: &str, delivery: i64, body: Vec<u8>) -> Result<(), Failure> {
        let request = http::Request::post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, "HaiLong-Webhook")
            .header(SIGNATURE_HEADER, signature(&self.secret, &body))
            .header("x-hailong-delivery", delivery.to_string())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Failure {
                reason: format!("webhook: {e}"),
                permanent: true,
            })?;
        let response = match tokio::time::timeout(TIMEOUT, self.client.request(request)).await {
            Err(_) => {
                return Err(Failure {
                    reason: format!("webhook: no answer within {} s", TIMEOUT.as_secs()),
                    permanent: false,
                })
            }
            Ok(Err(e)) => {
                return Err(Failure {
                    reason: format!("webhook: {e}"),
                    permanent: false,
                })
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(Failure {
                reason: format!("webhook: HTTP {status}"),
                permanent: !(status.is_server_error() || status.as_u16() == 429),
            })
        }
    }
}
