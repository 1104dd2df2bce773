//! Mail through SMTP with `lettre`: one connection per message (a few a minute at most).

use std::time::Duration;

use anyhow::Context;
use app::alerts::message::Mail;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::failure::Failure;
use super::settings::{SmtpSettings, SmtpTls};

/// How long one conversation with the mail server may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Mailer> {
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
                .port(settings.port)
                .timeout(Some(TIMEOUT));
        let parameters = || {
            TlsParameters::new(settings.host.clone())
                .with_context(|| format!("TLS for the mail server {}", settings.host))
        };
        builder = match settings.tls {
            SmtpTls::None => builder.tls(Tls::None),
            SmtpTls::StartTls => builder.tls(Tls::Required(parameters()?)),
            SmtpTls::Tls => builder.tls(Tls::Wrapper(parameters()?)),
        };
        if let Some(username) = &settings.username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                settings.password.clone().unwrap_or_default(),
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: settings.from.clone(),
        })
    }

    /// Sends `mail` to `to`; a refusal the server calls permanent (5xx) is not retried.
    pub async fn send(&self, to: &str, mail: &Mail) -> Result<(), Failure> {
        let to: Mailbox = to.parse().map_err(|e| Failure {
            reason: format!("địa chỉ người nhận không hợp lệ: {e}"),
            permanent: true,
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.body.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| Failure {
                reason: format!("thư không tạo được: {e}"),
                permanent: true,
            })?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| Failure {
                permanent: e.is_permanent(),
                reason: format!("máy chủ thư: {e}"),
            })
    }
}
