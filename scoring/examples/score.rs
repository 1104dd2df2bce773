//! Scores a what-if file the way `hailong score --criteria ID --inputs FILE.json` will:
//!
//! ```sh
//! cargo run -p scoring --example score -- dong-nai-2025 scoring/examples/dong-nai-commune.json
//! ```
//!
//! Loads the shipped surveys and criteria sets, picks the highest version of the named set and
//! prints the report as JSON.

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [criteria_id, inputs] = args.as_slice() else {
        eprintln!("usage: score <criteria set id> <inputs.json>");
        std::process::exit(2);
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../survey-definitions");
    let definitions = survey_definitions::load_dir(&dir)?;
    let sets = survey_definitions::load_criteria_dir(&dir, &definitions)?;
    let set = sets
        .iter()
        .filter(|set| &set.id == criteria_id)
        .max_by_key(|set| set.version)
        .ok_or_else(|| format!("no criteria set `{criteria_id}`"))?;
    let input: scoring::ScoringInput = serde_json::from_str(&std::fs::read_to_string(inputs)?)?;
    let report = scoring::score(set, &input)?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
