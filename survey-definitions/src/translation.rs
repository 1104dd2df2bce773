//! Languages a province supplies as data: `translations/<code>.toml` beside `surveys/`.
//!
//! A translation maps Vietnamese texts (the survey's wording and the citizen pages' own words) to
//! the supplied language's words, keyed by the Vietnamese text itself as gettext keys by its
//! source: a changed Vietnamese wording is then a missing word, shown in Vietnamese and reported
//! at start-up, never a stale translation of something else. `hailong translation-template`
//! writes a file with every text a citizen page needs, for a translator to fill in.
//!
//! ```toml
//! code = "km"          # ISO 639-1, or 639-3 where there is none
//! name = "ខ្មែរ"        # the language's own name, shown on the language switch
//! voice = "km"         # optional: the espeak-ng voice for the spoken questions
//!
//! [words]
//! "Gửi đánh giá" = "…"
//! "Vui lòng viết ngắn hơn, tối đa {max_chars} ký tự." = "… {max_chars} …"
//! ```

use std::collections::BTreeSet;
use std::path::Path;

// The supplied languages themselves, and the process's list of them, live with `Lang`.
pub use crate::lang::{find, install, supplied};
use crate::toml_tree::{self, Fail, Spans};
use crate::{DefinitionError, LangCode, Translation};

/// The folder of translation files inside a definitions folder.
pub const TRANSLATIONS_DIR: &str = "translations";

/// Reads every `translations/*.toml` of a definitions folder; none when the folder is absent.
pub fn load_translations(definitions_dir: &Path) -> Result<Vec<Translation>, DefinitionError> {
    let dir = definitions_dir.join(TRANSLATIONS_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        DefinitionError::whole_file(dir.display().to_string(), format!("cannot read: {e}"))
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    let mut translations: Vec<Translation> = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| DefinitionError::whole_file(&file, format!("cannot read: {e}")))?;
        let translation = parse_translation(&file, &text)?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if stem != translation.lang.code() {
            return Err(DefinitionError::whole_file(
                &file,
                format!(
                    "the file of language `{}` must be named `{}.toml`",
                    translation.lang.code(),
                    translation.lang.code()
                ),
            ));
        }
        translations.push(translation);
    }
    Ok(translations)
}

/// Parses one translation file; `file` is only used in error messages.
pub fn parse_translation(file: &str, text: &str) -> Result<Translation, DefinitionError> {
    let doc = toml_tree::parse_document(file, text)?;
    read_translation(&doc).map_err(|fail| fail.into_error(file, text))
}

fn read_translation(doc: &toml_tree::Node) -> Result<Translation, Fail> {
    let mut spans = Spans::default();
    let table = toml_tree::root(doc)?;
    table.allow(&["code", "name", "voice", "words"])?;
    let code_field = table.required("code", &mut spans)?;
    let code = code_field.str()?;
    if matches!(code, "vi" | "en") {
        return Err(code_field.fail(
            "Vietnamese and English are built in; a translation file supplies another language",
        ));
    }
    let Some(code) = LangCode::exact(code) else {
        return Err(code_field
            .fail("a language code is 2 or 3 lowercase letters (ISO 639-1, or ISO 639-3)"));
    };
    let name_field = table.required("name", &mut spans)?;
    let name = name_field.str()?.trim().to_owned();
    if name.is_empty() {
        return Err(name_field.fail("the language's own name must not be empty"));
    }
    let voice = match table.optional("voice", &mut spans) {
        Some(field) => Some(field.str()?.trim().to_owned()).filter(|v| !v.is_empty()),
        None => None,
    };
    let mut words = Vec::new();
    for (vi, field) in table.required("words", &mut spans)?.table()?.entries() {
        // Kept as written: a text may end in a space before what follows it on the page.
        let value = field.str()?;
        if value.trim().is_empty() {
            return Err(field.fail(
                "an empty translation; leave the text out to show it in Vietnamese instead",
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(field.fail("a translation is one line, without tabs or control characters"));
        }
        if placeholders(vi) != placeholders(value) {
            let list = |text: &str| {
                let names: Vec<String> = placeholders(text)
                    .into_iter()
                    .map(|name| format!("{{{name}}}"))
                    .collect();
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            };
            return Err(field.fail(format!(
                "the translation must keep the placeholders of the Vietnamese text ({}); it has {}",
                list(vi),
                list(value)
            )));
        }
        words.push((vi.to_owned(), value.to_owned()));
    }
    let mut translation = Translation::new(code, name, words);
    translation.voice = voice;
    Ok(translation)
}

/// The `{name}` placeholders of a template.
fn placeholders(text: &str) -> BTreeSet<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Lang, StaticText, Text};

    const FILE: &str = r#"
code = "xq"
name = "Xq-speak"
voice = "vi"

[words]
"Hài lòng" = "Xq satisfied"
"Vui lòng viết ngắn hơn, tối đa {max_chars} ký tự." = "Xq {max_chars} most"
"#;

    #[test]
    fn a_supplied_language_speaks_its_words_and_vietnamese_where_it_has_none() {
        let lang = install(parse_translation("xq.toml", FILE).unwrap());

        assert_eq!(lang, Lang::parse("XQ").unwrap());
        assert_eq!(lang.name(), "Xq-speak");
        let satisfied = StaticText {
            vi: "Hài lòng",
            en: "Satisfied",
        };
        assert_eq!(lang.say(satisfied), "Xq satisfied");
        let other = Text {
            vi: "Rất hài lòng".into(),
            en: "Very satisfied".into(),
        };
        assert_eq!(other.get(lang), "Rất hài lòng");
        assert!(Lang::offered().contains(&lang));
        let json = serde_json_like(lang);
        assert_eq!(json, "xq");
        assert_eq!(
            find(&LangCode::new("xq").unwrap()).unwrap().missing([
                "Hài lòng",
                "Không hài lòng",
                "Không hài lòng"
            ]),
            ["Không hài lòng"]
        );
    }

    fn serde_json_like(lang: Lang) -> String {
        #[derive(serde::Serialize)]
        struct Wrap {
            lang: Lang,
        }
        let text = toml::to_string(&Wrap { lang }).unwrap();
        let back: std::collections::BTreeMap<String, Lang> = toml::from_str(&text).unwrap();
        assert_eq!(back["lang"], lang);
        text.trim()
            .trim_start_matches("lang = ")
            .trim_matches('"')
            .to_owned()
    }

    #[test]
    fn bad_files_are_refused_with_their_line() {
        let cases = [
            (FILE.replace("\"xq\"", "\"vi\""), 2, "built in"),
            (FILE.replace("\"xq\"", "\"x1\""), 2, "2 or 3 lowercase"),
            (FILE.replace("\"Xq-speak\"", "\" \""), 3, "own name"),
            (
                FILE.replace("\"Xq satisfied\"", "\"  \""),
                7,
                "empty translation",
            ),
            (
                FILE.replace("Xq {max_chars} most", "Xq most"),
                8,
                "placeholders",
            ),
            (FILE.replace("voice", "vocie"), 4, "unknown key"),
        ];
        for (text, line, words) in cases {
            let error = parse_translation("xq.toml", &text).unwrap_err();
            assert_eq!(error.line, Some(line), "{error}");
            assert!(error.to_string().contains(words), "{error}");
        }
    }

    #[test]
    fn a_file_must_be_named_after_its_code() {
        let dir = std::env::temp_dir().join(format!("translations-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(TRANSLATIONS_DIR)).unwrap();
        std::fs::write(dir.join(TRANSLATIONS_DIR).join("km.toml"), FILE).unwrap();

        let error = load_translations(&dir).unwrap_err();
        std::fs::rename(
            dir.join(TRANSLATIONS_DIR).join("km.toml"),
            dir.join(TRANSLATIONS_DIR).join("xq.toml"),
        )
        .unwrap();
        let loaded = load_translations(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        assert!(error.message.contains("named `xq.toml`"), "{error}");
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].len(), 2);
        assert!(load_translations(Path::new("/nonexistent"))
            .unwrap()
            .is_empty());
    }
}
