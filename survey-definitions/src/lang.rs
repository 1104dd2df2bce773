//! The languages every citizen-facing text comes in: Vietnamese first, English second, and any
//! language a province supplies as a translation file (`translations/<code>.toml`, see
//! [`Translation`], which the translation module reads from its file).

use std::collections::BTreeSet;
use std::sync::RwLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A language code: two or three lowercase ASCII letters (ISO 639-1 such as `km`, or ISO 639-3
/// for languages without one, such as `hnj`). Held inline so [`Lang`] stays `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LangCode([u8; 3]);

impl LangCode {
    /// A code exactly as [`LangCode::as_str`] writes it, nothing trimmed or lowered: what a form,
    /// a stored answer and the island's props carry. Byte by byte, so the browser's WASM, which
    /// reads the page's language with it, needs no string-splitting code.
    pub fn exact(s: &str) -> Option<LangCode> {
        let bytes = s.as_bytes();
        if !(2..=3).contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_lowercase) {
            return None;
        }
        let mut code = [0; 3];
        code[..bytes.len()].copy_from_slice(bytes);
        Some(LangCode(code))
    }

    /// Reads a code, ignoring case, surrounding spaces and any region (`"en-US"`, `"vi_VN"`).
    pub fn new(s: &str) -> Option<LangCode> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or_default();
        if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let mut code = [0; 3];
        for (slot, b) in code.iter_mut().zip(primary.bytes()) {
            *slot = b.to_ascii_lowercase();
        }
        Some(LangCode(code))
    }

    /// The code as written in links (`?lang=km`) and stored answers.
    pub fn as_str(&self) -> &str {
        let len = if self.0[2] == 0 { 2 } else { 3 };
        // Only ASCII letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0[..len]).unwrap_or("und")
    }
}

/// A language the survey can be shown in. Vietnamese is the default: most citizens read it, and
/// English is offered for foreign residents and investors; both are built in, with every text.
/// A supplied language takes its words from a province's translation file and falls back to
/// Vietnamese for any word the file lacks (the national language, which its readers are most
/// likely to read next), so no page ever shows an empty label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Tiếng Việt.
    #[default]
    Vi,
    /// English.
    En,
    /// A language supplied as data (`translations/<code>.toml`).
    Supplied(LangCode),
}

impl Lang {
    /// The two built-in languages, Vietnamese first.
    pub const BUILT_IN: [Lang; 2] = [Lang::Vi, Lang::En];

    /// Every language offered: the built-in ones, then the supplied ones by code.
    pub fn offered() -> Vec<Lang> {
        Lang::BUILT_IN
            .into_iter()
            .chain(supplied().into_iter().map(|t| t.lang))
            .collect()
    }

    /// The code: `"vi"`, `"en"` or the supplied language's.
    pub fn code(&self) -> &str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
            Lang::Supplied(code) => code.as_str(),
        }
    }

    /// The language's own name, as its readers look for it on a language switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
            Lang::Supplied(code) => find(&code).map_or("?", |t| t.name.as_str()),
        }
    }

    /// Reads a language code, ignoring case, surrounding spaces and any region (`"en-US"`,
    /// `"vi_VN"`), so a query parameter or one `Accept-Language` entry can be passed as is.
    /// Only offered languages are read: a code no translation file supplies is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        let code = LangCode::new(s)?;
        match code.as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => find(&code).map(|t| t.lang),
        }
    }

    /// A language from its code exactly as [`Lang::code`] writes it, offered here or not (see
    /// [`LangCode::exact`]).
    pub fn exact(code: &str) -> Option<Lang> {
        let parsed = LangCode::exact(code)?;
        Some(match parsed.as_str() {
            "vi" => Lang::Vi,
            "en" => Lang::En,
            _ => Lang::Supplied(parsed),
        })
    }

    /// The fixed text `text` in this language: a supplied language looks it up by its
    /// Vietnamese words.
    pub fn say(self, text: StaticText) -> &'static str {
        text.get(self)
    }

    /// A Vietnamese text's words in a supplied language, if its translation has them.
    fn supplied_word(self, vi: &str) -> Option<&'static str> {
        match self {
            Lang::Supplied(code) => find(&code)?.word(vi),
            Lang::Vi | Lang::En => None,
        }
    }
}

/// Fills `{name}` placeholders of a text (`"tối đa {max} ký tự"`): texts with values in them are
/// templates, so a translation can put the value where its grammar wants it.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    // Read through by hand, byte by byte (`{` and `}` are ASCII, so every cut is on a character
    // boundary): `str::replace` and `str::find` bring search routines into the browser's WASM,
    // where the survey's messages are filled too.
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.bytes().position(|b| b == b'{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.bytes().position(|b| b == b'}').and_then(|close| {
            let (_, value) = values.iter().find(|(name, _)| *name == &after[..close])?;
            Some((close, value))
        });
        match named {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl Serialize for Lang {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Lang {
    /// Any well-formed code is read, offered here or not: the browser's copy of a page reads its
    /// language before the page's words are installed (`translation::install`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Lang, D::Error> {
        let code = String::deserialize(deserializer)?;
        Lang::exact(&code).ok_or_else(|| serde::de::Error::custom("not a language code"))
    }
}

/// A text written in both built-in languages. Definition files must fill in both, so no page ever
/// shows an empty label; supplied languages find it by its Vietnamese words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// Vietnamese, with full diacritics.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Text {
    /// Empties what a page in `lang` does not read: the Vietnamese of an English text, the
    /// English otherwise (a supplied language finds its words by the Vietnamese).
    pub fn keep_only(&mut self, lang: Lang) {
        match lang {
            Lang::En => self.vi.clear(),
            Lang::Vi | Lang::Supplied(_) => self.en.clear(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
            Lang::Supplied(_) => lang.supplied_word(&self.vi).unwrap_or(&self.vi),
        }
    }
}

/// A [`Text`] fixed at compile time, for tables that must be `const` (a `String` cannot be built
/// in a constant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StaticText {
    /// Vietnamese, with full diacritics.
    pub vi: &'static str,
    /// English.
    pub en: &'static str,
}

impl StaticText {
    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Vi => self.vi,
            Lang::En => self.en,
            Lang::Supplied(_) => lang.supplied_word(self.vi).unwrap_or(self.vi),
        }
    }

    /// An owned copy, for places that take a [`Text`].
    pub fn to_text(self) -> Text {
        Text {
            vi: self.vi.to_owned(),
            en: self.en.to_owned(),
        }
    }
}

impl From<StaticText> for Text {
    fn from(text: StaticText) -> Text {
        text.to_text()
    }
}

/// One supplied language: its code, its own name and its words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    /// Always [`Lang::Supplied`].
    pub lang: Lang,
    /// The language's own name (its endonym), shown on the language switch.
    pub name: String,
    /// The espeak-ng voice that reads the questions aloud, when the province names one.
    pub voice: Option<String>,
    /// (Vietnamese text, its words in this language), sorted by the Vietnamese text. A sorted
    /// list rather than a map: the browser's copy of the survey page decodes it, and a list of
    /// pairs is a type its WASM already decodes.
    words: Vec<(String, String)>,
}

impl Translation {
    /// A translation built in code (tests, the citizen's browser receiving a page's words).
    pub fn new(
        code: LangCode,
        name: impl Into<String>,
        words: impl IntoIterator<Item = (String, String)>,
    ) -> Translation {
        Translation {
            lang: Lang::Supplied(code),
            name: name.into(),
            voice: None,
            words: sorted(words.into_iter().collect()),
        }
    }

    /// The translation as a page carries it to the browser: its words, in their order.
    pub fn words(&self) -> &[(String, String)] {
        &self.words
    }

    /// A translation from the words a page carried ([`Translation::words`], already sorted);
    /// the browser needs neither the name nor the voice.
    pub fn from_page(lang: Lang, words: Vec<(String, String)>) -> Translation {
        Translation {
            lang,
            name: String::new(),
            voice: None,
            words,
        }
    }

    /// The words for a Vietnamese text, if this translation has them.
    pub fn word(&self, vi: &str) -> Option<&str> {
        let at = self
            .words
            .binary_search_by(|(k, _)| k.as_str().cmp(vi))
            .ok()?;
        Some(&self.words[at].1)
    }

    /// How many texts it translates.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether it translates nothing.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The texts of `needed` it lacks, in the order given, each once.
    pub fn missing<'a>(&self, needed: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let mut seen = BTreeSet::new();
        needed
            .into_iter()
            .filter(|vi| seen.insert(*vi) && self.word(vi).is_none())
            .collect()
    }
}

/// The supplied languages of this process, by code. One server process serves one definitions
/// folder, so the languages it offers are a property of the process; a language is read from
/// links and stored answers by its code alone, which is what keeps [`Lang`] `Copy`. Entries are
/// leaked on purpose: a translation lives as long as the process, and pages hold its words as
/// `&'static str` like the built-in ones.
static SUPPLIED: RwLock<Vec<&'static Translation>> = RwLock::new(Vec::new());

/// Offers `translation` from now on, in place of an earlier one of the same code, and returns
/// its language. Called once per language when a server starts, and once per page in the
/// browser; the translation is leaked, so it is not called per request.
pub fn install(translation: Translation) -> Lang {
    let lang = translation.lang;
    if !matches!(lang, Lang::Supplied(_)) {
        return lang;
    }
    let leaked: &'static Translation = Box::leak(Box::new(translation));
    let mut supplied = SUPPLIED
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match supplied.iter().position(|t| t.lang == lang) {
        Some(at) => supplied[at] = leaked,
        // Kept in code order by inserting in place (a sort would add a sort routine to the
        // browser's WASM, which installs a page's words through here).
        None => {
            let at = supplied.partition_point(|t| t.lang.code() < lang.code());
            supplied.insert(at, leaked);
        }
    }
    lang
}

/// The supplied language with this code, if one was installed.
pub fn find(code: &LangCode) -> Option<&'static Translation> {
    SUPPLIED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .find(|t| t.lang == Lang::Supplied(*code))
        .copied()
}

/// Every supplied language, by code.
pub fn supplied() -> Vec<&'static Translation> {
    SUPPLIED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

/// Pairs sorted by their Vietnamese text, each text once (TOML refuses a key twice already).
fn sorted(mut words: Vec<(String, String)>) -> Vec<(String, String)> {
    words.sort();
    words.dedup_by(|a, b| a.0 == b.0);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_regions_are_ignored() {
        for lang in Lang::BUILT_IN {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        assert_eq!(Lang::parse(" EN-us "), Some(Lang::En));
        assert_eq!(Lang::parse("vi_VN"), Some(Lang::Vi));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse("xyzw"), None);
        assert_eq!(
            LangCode::new("HNJ").map(|c| c.as_str().to_owned()),
            Some("hnj".into())
        );
        assert_eq!(Lang::parse(""), None);
        assert_eq!(Lang::default(), Lang::Vi);
    }

    #[test]
    fn templates_are_filled_by_name() {
        assert_eq!(
            fill(
                "lúc {at}, trước {until} {x} {",
                &[("until", "10:05"), ("at", "09:55")]
            ),
            "lúc 09:55, trước 10:05 {x} {"
        );
        assert_eq!(
            fill("không có chỗ trống", &[("at", "1")]),
            "không có chỗ trống"
        );
    }

    #[test]
    fn texts_are_picked_by_language() {
        let text = StaticText {
            vi: "Hài lòng",
            en: "Satisfied",
        };

        assert_eq!(text.get(Lang::Vi), "Hài lòng");
        assert_eq!(Text::from(text).get(Lang::En), "Satisfied");
    }

    #[test]
    fn satisfaction_levels_run_from_1_to_5_in_both_languages() {
        let levels: Vec<_> = crate::SATISFACTION_LEVELS.iter().map(|l| l.0).collect();

        assert_eq!(levels, [1, 2, 3, 4, 5]);
        for (_, label, face) in crate::SATISFACTION_LEVELS {
            assert!(!label.vi.is_empty() && !label.en.is_empty() && !face.is_empty());
        }
        assert_eq!(crate::SATISFACTION_LEVELS[4].1.vi, "Rất hài lòng");
    }
}
