//! `hailong sso …`: single sign-on with the province's accounts from the command line, the same
//! rules as the admin's page `/admin/sso` (`app::accounts::sso`), audited as done by the command
//! line. On the server itself it is also the way back in: `hailong sso require off` when the
//! provider fails and no break-glass account is at hand.

use std::io::Write;

use clap::Subcommand;

use crate::config::Config;
use crate::startup;

const ACTOR: (Option<i64>, &str) = (None, "command line");

/// `hailong sso …`
#[derive(Subcommand, Debug)]
pub enum SsoAction {
    /// List the claim mappings.
    Mappings,
    /// Map a claim's value to a role and a unit: `--unit CODE` for everyone it admits, or
    /// `--unit-claim NAME` for the unit code each person's claim carries.
    Map {
        #[arg(long)]
        claim: String,
        #[arg(long)]
        value: String,
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        unit: String,
        #[arg(long, default_value = "")]
        unit_claim: String,
    },
    /// Remove a mapping (its id as `hailong sso mappings` lists it).
    Unmap {
        #[arg(long)]
        id: i64,
    },
    /// Let an existing account be matched once by the verified e-mail address of its owner at
    /// the province's provider.
    Link {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
    /// Require single sign-on of every account but the break-glass ones (`on`), or not (`off`).
    Require {
        #[arg(value_parser = ["on", "off"])]
        set: String,
    },
    /// Make an account a break-glass account (`on`: it signs in with its password even when
    /// single sign-on is required) or not (`off`).
    BreakGlass {
        #[arg(long)]
        username: String,
        #[arg(value_parser = ["on", "off"])]
        set: String,
    },
}

/// Runs `action` against the configured database, writing what it did to `out`.
pub async fn run_to(
    config: &Config,
    action: SsoAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    use app::accounts::sso;
    let state = startup::build_state(config).await?;
    let problems = |p: sso::Problems| {
        anyhow::anyhow!(
            "{}",
            p.into_iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    match action {
        SsoAction::Mappings => {
            for m in state.store.sso_mappings().await? {
                writeln!(
                    out,
                    "{}\t{} = {}\t{}",
                    m.id,
                    m.claim,
                    m.claim_value,
                    sso::mapping_text(&m)
                )?;
            }
        }
        SsoAction::Map {
            claim,
            value,
            role,
            unit,
            unit_claim,
        } => {
            let new = sso::NewMapping {
                claim: &claim,
                value: &value,
                role: &role,
                unit: &unit,
                unit_claim: &unit_claim,
            };
            let id = sso::add_mapping(&state, ACTOR, &new)
                .await?
                .map_err(problems)?;
            writeln!(out, "mapping {id}: {claim} = {value}")?;
        }
        SsoAction::Unmap { id } => {
            anyhow::ensure!(
                sso::remove_mapping(&state, ACTOR, id).await?,
                "no mapping has the id {id}"
            );
            writeln!(out, "mapping {id} removed")?;
        }
        SsoAction::Link { username, email } => {
            sso::set_email_link(&state, ACTOR, &username, &email)
                .await?
                .map_err(problems)?;
            writeln!(
                out,
                "{username} will be linked at the first sign-in with that address"
            )?;
        }
        SsoAction::Require { set } => {
            sso::set_required(&state, ACTOR, set == "on")
                .await?
                .map_err(anyhow::Error::msg)?;
            writeln!(out, "single sign-on required: {set}")?;
        }
        SsoAction::BreakGlass { username, set } => {
            let user = state
                .store
                .user_by_username(username.trim())
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
            sso::set_break_glass(&state, ACTOR, user.id, set == "on")
                .await?
                .map_err(anyhow::Error::msg)?;
            writeln!(out, "{username} break-glass: {set}")?;
        }
    }
    Ok(())
}
