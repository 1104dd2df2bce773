//! The HTTP client the provider is asked through: hyper with rustls and its `ring` provider and
//! the compiled-in webpki roots, as for the webhooks (no C build, no system certificate store).
//! It follows no redirect (a provider that redirects its token endpoint elsewhere could make the
//! server fetch what it chose), gives up after [`TIMEOUT`], and reads at most [`MAX_BODY`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use openidconnect::{HttpRequest, HttpResponse};

/// How long one request to the provider may take: a person waits on the sign-in page meanwhile.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read from the provider (its discovery document and keys are a few KB).
pub const MAX_BODY: usize = 1 << 20;

type Connector = hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;

pub struct HttpClient {
    client: Client<Connector, Full<Bytes>>,
}

/// Why a request to the provider failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("no answer within {} s", TIMEOUT.as_secs())]
    Timeout,
    #[error("{0}")]
    Connect(String),
    #[error("the answer could not be read: {0}")]
    Body(String),
}

impl HttpClient {
    pub fn new() -> HttpClient {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        HttpClient {
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
        let response = tokio::time::timeout(TIMEOUT, async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| HttpError::Connect(error_chain(&e)))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|e| HttpError::Body(e.to_string()))?
                .to_bytes();
            Ok::<_, HttpError>(http::Response::from_parts(parts, body.to_vec()))
        })
        .await
        .map_err(|_| HttpError::Timeout)??;
        Ok(response)
    }
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient::new()
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for HttpClient {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}
