//! The spoken version of a survey, for citizens who read with difficulty: one audio clip per
//! question (its words and, for a choice, the choices) and one for the thank-you message, per
//! language. `scripts/build-site.sh` synthesises the clips at build time (the `speech-clips`
//! program lists them; espeak-ng speaks, lame encodes) and the pages offer a clip where the
//! built site has it.
//!
//! A clip's file is named after what it says and in which voice, so a reworded question gets a
//! new clip at the next build and never plays the old words; the name has the shape of the
//! site's other hashed files (`speech.{16 hex}.mp3`), which browsers may keep for a year.

use sha2::{Digest, Sha256};

use crate::{Lang, Question, QuestionKind, StaticText, Survey, NO, SATISFACTION_LEVELS, YES};

/// One clip to synthesise: its file name, the voice and the words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clip {
    pub file: String,
    pub voice: &'static str,
    pub text: String,
}

/// The words that introduce the choices in a clip.
pub const CHOICES_LEAD: StaticText = StaticText {
    vi: "Các lựa chọn",
    en: "The choices",
};

/// The espeak-ng voice of a language; a supplied language has one when its file names it.
pub fn voice(lang: Lang) -> Option<&'static str> {
    match lang {
        Lang::Vi => Some("vi"),
        Lang::En => Some("en"),
        Lang::Supplied(code) => crate::translation::find(&code)?.voice.as_deref(),
    }
}

/// The file of the clip saying `text` in `lang`.
pub fn clip_file(lang: Lang, text: &str) -> String {
    let voice = voice(lang).unwrap_or(lang.code());
    let digest = Sha256::digest(format!("{voice}\n{text}").as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("speech.{hex}.mp3")
}

/// What the clip of `question` says in `lang`: the question, its hint, then the choices it
/// offers.
pub fn question_words(question: &Question, lang: Lang) -> String {
    let choices: Vec<&str> = match &question.kind {
        QuestionKind::YesNo => vec![lang.say(YES), lang.say(NO)],
        QuestionKind::Satisfaction5 => SATISFACTION_LEVELS
            .iter()
            .map(|(_, text, _)| text.get(lang))
            .chain(question.not_applicable.as_ref().map(|na| na.get(lang)))
            .collect(),
        QuestionKind::SingleChoice { options } => {
            options.iter().map(|o| o.label.get(lang)).collect()
        }
        _ => Vec::new(),
    };
    let mut words = sentence(question.label.get(lang));
    // A dossier code's hint shows an example code, which read out digit by digit helps nobody.
    let help = match question.kind {
        QuestionKind::DossierCode { .. } => None,
        _ => question.help.as_ref(),
    };
    if let Some(help) = help {
        words.push(' ');
        words.push_str(&sentence(help.get(lang)));
    }
    if !choices.is_empty() {
        let lead = lang.say(CHOICES_LEAD);
        words.push_str(&format!(" {lead}: {}.", choices.join(", ")));
    }
    words
}

/// `text` ended as a sentence, so the voice pauses before what follows.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '?', '!', ':', '…']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// Every clip of `survey`: each question and the thank-you message, in each language that has a
/// voice.
pub fn clips(survey: &Survey) -> Vec<Clip> {
    let mut clips = Vec::new();
    for (lang, voice) in Lang::offered()
        .into_iter()
        .filter_map(|lang| Some((lang, voice(lang)?)))
    {
        let texts = survey
            .questions
            .iter()
            .map(|q| question_words(q, lang))
            .chain(std::iter::once(survey.thanks.get(lang).trim().to_owned()));
        for text in texts {
            clips.push(Clip {
                file: clip_file(lang, &text),
                voice,
                text,
            });
        }
    }
    clips
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_is_named_after_its_words_and_voice() {
        let a = clip_file(Lang::Vi, "Ông/Bà hài lòng không?");
        assert_eq!(a, clip_file(Lang::Vi, "Ông/Bà hài lòng không?"));
        assert_ne!(a, clip_file(Lang::Vi, "Ông/Bà có hài lòng không?"));
        assert_ne!(a, clip_file(Lang::En, "Ông/Bà hài lòng không?"));
        assert!(
            a.starts_with("speech.") && a.ends_with(".mp3") && a.len() == 27,
            "{a}"
        );
    }

    #[test]
    fn every_question_of_the_shipped_surveys_has_a_clip_in_each_language() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let definitions = crate::load_dir(dir).expect("the shipped definitions load");
        for survey in definitions.surveys() {
            let clips = clips(survey);
            assert_eq!(clips.len(), 2 * (survey.questions.len() + 1));
            let overall = survey.question("overall").expect("an overall question");
            let words = question_words(overall, Lang::Vi);
            assert!(
                words.contains("Rất không hài lòng") && words.contains("Rất hài lòng"),
                "the scale is read out: {words}"
            );
        }
    }
}
