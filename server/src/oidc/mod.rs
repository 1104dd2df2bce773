//! The province's identity service, spoken to in OpenID Connect (issue 35): discovery from the
//! issuer, the authorization code flow with PKCE (S256), `state` and `nonce`, and the ID token's
//! signature, issuer, audience, expiry and nonce checked by the `openidconnect` crate. What the
//! person may do is decided in `app::accounts::sso`; the routes are in `routes/oidc.rs`.
//!
//! The provider is asked only when someone signs in: start-up never waits for it, so a provider
//! that is down leaves the Hài Lòng accounts working. Its discovery document and keys are fetched
//! when a sign-in begins (a provider that is down is said so at once) and kept for the callback
//! up to [`METADATA_LIFETIME`]; they are fetched again at once when an ID token names a key they
//! lack (the provider rotated its keys).

mod http;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::accounts::sso::{after_logout_uri, redirect_uri, Person, ProviderSettings};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreResponseType,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthenticationFlow, AuthorizationCode,
    ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, LogoutRequest, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};

pub use self::http::HttpClient;

/// How long the discovery document and keys are used before they are fetched again.
pub const METADATA_LIFETIME: Duration = Duration::from_secs(300);

/// Every claim of the ID token beyond the standard ones, for the admin's mappings.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}
impl AdditionalClaims for OtherClaims {}

type Fields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type OidcClient = openidconnect::Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why the provider did not sign a person in; the text says what for the log and the audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The provider could not be reached, or answered with something that is no provider's
    /// answer (its discovery document, its keys, its token endpoint).
    Unreachable(String),
    /// The answer failed a check: a code refused by the provider, no ID token, or an ID token
    /// with a bad signature, issuer, audience, nonce or expiry.
    Invalid(String),
}

/// A sign-in sent to the provider: the URL the browser goes to, and what its callback must
/// match.
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The province's provider, as this process knows it.
pub struct Provider {
    settings: ProviderSettings,
    redirect_uri: RedirectUrl,
    after_logout: PostLogoutRedirectUrl,
    http: HttpClient,
    metadata: tokio::sync::Mutex<Option<(Instant, Arc<ProviderMetadataWithLogout>)>>,
}

impl Provider {
    pub fn new(settings: ProviderSettings, public_url: &str) -> anyhow::Result<Provider> {
        Ok(Provider {
            redirect_uri: RedirectUrl::new(redirect_uri(public_url))?,
            after_logout: PostLogoutRedirectUrl::new(after_logout_uri(public_url))?,
            http: HttpClient::new(),
            settings,
            metadata: Default::default(),
        })
    }

    /// The issuer as configured, which discovery checked the provider names itself.
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// The discovery document with the provider's keys: the one kept, unless `fresh` or older
    /// than [`METADATA_LIFETIME`].
    async fn metadata(&self, fresh: bool) -> Result<Arc<ProviderMetadataWithLogout>, Failure> {
        if !fresh {
            if let Some((at, metadata)) = self.metadata.lock().await.as_ref() {
                if at.elapsed() < METADATA_LIFETIME {
                    return Ok(metadata.clone());
                }
            }
        }
        // Fetched without holding the lock: with a provider that hangs, each sign-in waits for
        // its own request's timeout, not for those of everyone before it.
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| Failure::Unreachable(format!("địa chỉ nơi phát hành: {e}")))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                Failure::Unreachable(format!(
                    "không đọc được cấu hình (discovery): {}",
                    chain(&e)
                ))
            })?;
        let metadata = Arc::new(metadata);
        *self.metadata.lock().await = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn client(&self, metadata: &ProviderMetadataWithLogout) -> OidcClient {
        OidcClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_uri.clone())
    }

    /// Starts a sign-in: a fresh state, nonce and PKCE verifier, and the provider's
    /// authorization URL carrying the state, the nonce and the verifier's S256 challenge.
    pub async fn begin(&self) -> Result<Begun, Failure> {
        // Asked afresh: a provider that is down is told at once, on Hài Lòng's own sign-in page,
        // rather than by the browser failing to reach it.
        let metadata = self.metadata(true).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .client(&metadata)
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Finishes a sign-in: exchanges the code (with the PKCE verifier) for tokens, checks the ID
    /// token against the provider's keys, this client, the issuer and the nonce, and returns the
    /// person it names with, when the provider offers one, the URL that ends its own session.
    pub async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<(Person, Option<String>), Failure> {
        let metadata = self.metadata(false).await?;
        let tokens = self
            .client(&metadata)
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| {
                Failure::Unreachable(format!("không có điểm cấp mã (token endpoint): {e}"))
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(refused) => {
                    Failure::Invalid(format!("hệ thống xác thực không nhận mã: {refused}"))
                }
                RequestTokenError::Parse(e, _) => {
                    Failure::Invalid(format!("phản hồi cấp mã không đọc được: {e}"))
                }
                other => Failure::Unreachable(format!(
                    "không gọi được điểm cấp mã (token endpoint): {}",
                    chain(&other)
                )),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| Failure::Invalid("phản hồi không có mã định danh (ID token)".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        let (claims, metadata) = match self.verify(&metadata, id_token, &tokens, &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // A key the kept set lacks: the provider may have rotated its keys.
                let metadata = self.metadata(true).await?;
                let claims = self
                    .verify(&metadata, id_token, &tokens, &nonce)
                    .map_err(|e| Failure::Invalid(verification_failure(&e)))?;
                (claims, metadata)
            }
            Err(e) => return Err(Failure::Invalid(verification_failure(&e))),
            Ok(claims) => (claims, metadata),
        };
        let mut all = claims.additional_claims().claims.clone();
        let email = claims.email().map(|e| e.as_str().to_string());
        let preferred_username = claims.preferred_username().map(|u| u.as_str().to_string());
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string());
        for (key, value) in [
            ("email", &email),
            ("preferred_username", &preferred_username),
            ("name", &name),
        ] {
            if let Some(value) = value {
                all.insert(key.into(), serde_json::Value::String(value.clone()));
            }
        }
        let person = Person {
            issuer: claims.issuer().as_str().to_string(),
            subject: claims.subject().as_str().to_string(),
            email_verified: claims.email_verified() == Some(true),
            email,
            name,
            preferred_username,
            claims: all,
        };
        let logout = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()
            .map(|end| {
                LogoutRequest::from(end)
                    .set_id_token_hint(id_token)
                    .set_client_id(ClientId::new(self.settings.client_id.clone()))
                    .set_post_logout_redirect_uri(self.after_logout.clone())
                    .http_get_url()
                    .to_string()
            });
        Ok((person, logout))
    }
}

impl Provider {
    /// The ID token's claims once its signature (by a key of `metadata`), issuer, audience,
    /// expiry and nonce are checked, and, when it names one (`at_hash`), that it was issued with
    /// the access token it came with.
    fn verify(
        &self,
        metadata: &ProviderMetadataWithLogout,
        id_token: &openidconnect::IdToken<
            OtherClaims,
            CoreGenderClaim,
            CoreJweContentEncryptionAlgorithm,
            CoreJwsSigningAlgorithm,
        >,
        tokens: &Tokens,
        nonce: &Nonce,
    ) -> Result<openidconnect::IdTokenClaims<OtherClaims, CoreGenderClaim>, ClaimsVerificationError>
    {
        let client = self.client(metadata);
        let verifier = client.id_token_verifier();
        let claims = id_token.claims(&verifier, nonce)?.clone();
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(ClaimsVerificationError::SignatureVerification)?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(ClaimsVerificationError::SignatureVerification)?;
            let actual = AccessTokenHash::from_token(tokens.access_token(), alg, key)
                .map_err(|e| ClaimsVerificationError::Other(format!("at_hash: {e}")))?;
            if actual != *expected {
                return Err(ClaimsVerificationError::Other(
                    "mã truy cập không khớp mã định danh (at_hash)".into(),
                ));
            }
        }
        Ok(claims)
    }
}

/// What a refused ID token's check says, for the audit log (in Vietnamese, as the log is read).
fn verification_failure(error: &ClaimsVerificationError) -> String {
    let what = match error {
        ClaimsVerificationError::Expired(_) => "mã định danh (ID token) đã hết hạn",
        ClaimsVerificationError::InvalidAudience(_) => "mã định danh cấp cho ứng dụng khác (aud)",
        ClaimsVerificationError::InvalidIssuer(_) => "mã định danh do nơi khác phát hành (iss)",
        ClaimsVerificationError::InvalidNonce(_) => "nonce không khớp lượt đăng nhập",
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoSignature) => {
            "mã định danh không có chữ ký"
        }
        ClaimsVerificationError::SignatureVerification(_) => "chữ ký của mã định danh không hợp lệ",
        _ => "mã định danh không hợp lệ",
    };
    format!("{what} ({error})")
}

/// An error with its causes, on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}
