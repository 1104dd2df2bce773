//! `hailong kiosks rules`: the kiosk traffic rules replayed over the stored kiosk ratings, with
//! what the honest ones look like (the figures behind the rules' defaults).

use crate::config::Config;

#[derive(clap::Subcommand, Debug)]
pub enum KiosksAction {
    /// Replay the traffic rules over every stored kiosk rating and print what they would hold,
    /// beside the longest run, the most even taps, the most satisfied day and the fullest desk
    /// day seen.
    Rules,
}

pub async fn command(config: &Config, action: KiosksAction) -> anyhow::Result<()> {
    match action {
        KiosksAction::Rules => {
            let state = crate::startup::build_state(config).await?;
            let k = &state.settings.kiosk;
            let report = app::kiosk::calibration::replay(&state)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "settings: max_run={} run_odds={} cadence_taps={} cadence_cv_percent={} \
                 share_min_ratings={} share_excess_points={} share_odds={}",
                k.max_run,
                k.run_odds,
                k.cadence_taps,
                k.cadence_cv_percent,
                k.share_min_ratings,
                k.share_excess_points,
                k.share_odds
            );
            println!(
                "ratings: {} from {} tablets over {} tablet-days",
                report.ratings, report.kiosks, report.kiosk_days
            );
            println!(
                "held by the rules: {} ({:.2}%)",
                report.held,
                100.0 * report.held as f64 / report.ratings.max(1) as f64
            );
            for (flag, n) in &report.held_by {
                println!("  {:<22} {n}", flag.key());
            }
            println!("longest run of one answer: {}", report.longest_run);
            match report.lowest_cadence_cv {
                Some(cv) => println!(
                    "most even taps: gaps vary by {:.0}% over {} taps",
                    cv * 100.0,
                    k.cadence_taps
                ),
                None => println!("most even taps: no run of {} taps", k.cadence_taps),
            }
            match report.highest_share_excess {
                Some((excess, chance)) => println!(
                    "most satisfied tablet-day: {excess:+.1} points over its desk (chance {chance:.2e})"
                ),
                None => println!(
                    "most satisfied tablet-day: none with {} ratings and a baseline",
                    k.share_min_ratings
                ),
            }
            match report.highest_dossier_use {
                Some(u) => println!("fullest desk-day: {:.0}% of its dossiers rated", u * 100.0),
                None => println!("fullest desk-day: no dossiers entered"),
            }
            Ok(())
        }
    }
}
