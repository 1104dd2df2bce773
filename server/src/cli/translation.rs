//! `hailong translation-template --lang CODE`: the file a translator fills in to offer the
//! citizen's pages in another language (`translations/<code>.toml`, see README "Languages").
//!
//! Every text a citizen's survey and thank-you pages show is listed once, Vietnamese as the key
//! and English above it as a hint. Texts the language's file already translates are written
//! filled in; the others are commented out, so the file loads at every stage of the work and
//! a text still missing is shown in Vietnamese.

use std::io::Write;

use anyhow::Context;
use survey_definitions::{Lang, LangCode, Translation};

use crate::config::Config;
use crate::startup;

pub fn run_to(config: &Config, code: &str, out: &mut impl Write) -> anyhow::Result<()> {
    let parsed = LangCode::new(code)
        .filter(|c| c.as_str() == code)
        .with_context(|| format!("`{code}` is not a language code (2 or 3 lowercase letters)"))?;
    anyhow::ensure!(
        !matches!(code, "vi" | "en"),
        "Vietnamese and English are built in; name another language"
    );
    // Loading the definitions installs the translations the folder already has.
    let definitions = startup::load_definitions(config)?;
    let existing = survey_definitions::translation::find(&parsed);
    let texts = app::i18n::citizen_texts(&definitions);
    out.write_all(template(Lang::Supplied(parsed), existing, &texts).as_bytes())?;
    Ok(())
}

fn template(lang: Lang, existing: Option<&Translation>, texts: &[(&str, &str)]) -> String {
    let mut file = format!(
        "# The citizen's survey and thank-you pages in `{code}`: translations/{code}.toml\n\
         # Fill in each text and remove the `# ` before it; a text left commented out is shown\n\
         # in Vietnamese. Keep every {{placeholder}} of the Vietnamese text.\n\n\
         code = \"{code}\"\n",
        code = lang.code()
    );
    match existing {
        Some(t) => file.push_str(&format!("name = {}\n", quoted(&t.name))),
        None => file.push_str("# The language's own name, as its readers write it.\nname = \"\"\n"),
    }
    match existing.and_then(|t| t.voice.as_deref()) {
        Some(voice) => file.push_str(&format!("voice = {}\n", quoted(voice))),
        None => file.push_str(
            "# The espeak-ng voice that reads the questions aloud, if any.\n# voice = \"\"\n",
        ),
    }
    file.push_str("\n[words]\n");
    let (mut done, mut left) = (0, 0);
    for (vi, en) in texts {
        file.push_str(&format!("\n# {en}\n"));
        match existing.and_then(|t| t.word(vi)) {
            Some(word) => {
                done += 1;
                file.push_str(&format!("{} = {}\n", quoted(vi), quoted(word)));
            }
            None => {
                left += 1;
                file.push_str(&format!("# {} = \"\"\n", quoted(vi)));
            }
        }
    }
    file.push_str(&format!("\n# {done} texts translated, {left} to go.\n"));
    file
}

/// A TOML basic string. The texts hold no control characters (their loaders refuse them).
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_template_reads_back_as_the_translation() {
        let texts = [
            ("Gửi đánh giá", "Send rating"),
            ("Trích \"dẫn\" \\ xong", "Quoted"),
            ("Chưa dịch", "Not yet"),
        ];
        let code = LangCode::new("xt").unwrap();
        let existing = Translation::new(
            code,
            "Xt",
            [
                ("Gửi đánh giá".to_owned(), "Xt send".to_owned()),
                ("Trích \"dẫn\" \\ xong".to_owned(), "Xt \"q\" \\".to_owned()),
            ],
        );

        let file = template(Lang::Supplied(code), Some(&existing), &texts);
        let read = survey_definitions::translation::parse_translation("xt.toml", &file).unwrap();

        assert_eq!(read, existing);
        assert!(file.contains("# \"Chưa dịch\" = \"\""), "{file}");
        assert!(file.contains("2 texts translated, 1 to go"), "{file}");
    }
}
