//! Lists the spoken clips of every survey in a definitions folder, one per line:
//! `FILE<TAB>VOICE<TAB>WORDS`, each file once. `scripts/build-site.sh` synthesises the clips it
//! does not have yet.
//!
//! Usage: speech-clips [DEFINITIONS_DIR]   (default: survey-definitions)

use std::collections::BTreeSet;
use std::path::PathBuf;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("survey-definitions"), PathBuf::from);
    let definitions = match survey_definitions::load_dir(&dir) {
        Ok(definitions) => definitions,
        Err(e) => {
            eprintln!("speech-clips: {}: {e}", dir.display());
            std::process::exit(1);
        }
    };
    // A supplied language with a voice gets its clips too.
    match survey_definitions::load_translations(&dir) {
        Ok(translations) => translations.into_iter().for_each(|t| {
            survey_definitions::translation::install(t);
        }),
        Err(e) => {
            eprintln!("speech-clips: {e}");
            std::process::exit(1);
        }
    }
    let mut seen = BTreeSet::new();
    for survey in definitions.surveys() {
        for clip in survey_definitions::speech::clips(survey) {
            if seen.insert(clip.file.clone()) {
                // Words never hold a tab or a line break (the loader refuses control characters).
                println!(
                    "{}\t{}\t{}",
                    clip.file,
                    clip.voice,
                    clip.text.replace(['\t', '\n'], " ")
                );
            }
        }
    }
}
