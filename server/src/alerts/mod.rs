//! The alert tasks: the scanner finds unfavourable answers after a cursor kept in the database
//! and queues their messages (`scanner.rs`); the sender delivers what is due, by mail
//! (`mail.rs`) or webhook (`webhook.rs`), retrying with a growing wait and logging every
//! attempt. Both run beside the server and never touch the citizen's submission: an answer is
//! committed first, and found by the scanner afterwards.

pub mod failure;
pub mod mail;
pub mod routes;
pub mod scanner;
pub mod sender;
pub mod settings;
pub mod webhook;

use app::state::AppState;

pub use settings::AlertSettings;

/// Starts the scanner and the sender when a mail server or a webhook is configured. The tasks
/// end with the runtime.
pub fn spawn(state: AppState, settings: AlertSettings) -> anyhow::Result<()> {
    if settings.smtp.is_none() && settings.webhook.is_none() {
        return Ok(());
    }
    let sender = sender::Sender::new(&state, &settings)?;
    tokio::spawn(scanner::run(state.clone(), settings.clone()));
    tokio::spawn(sender.run());
    Ok(())
}
