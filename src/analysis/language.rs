//! Languages: which one an article is written in, and how its words are
//! stemmed.
//!
//! An article's language is a lower-case ISO 639-1 code (`de`, `zh`), taken
//! from what the article says (`<html lang="de-DE">`, Markdown front matter
//! `lang: de`), from `quire index --lang`, or else detected from its text
//! ([`detect`], with whatlang's trigram and script models). Words are
//! stemmed with the language's Snowball stemmer where there is one
//! ([`stemmer`]); Chinese, Japanese and Korean text is indexed in pairs of
//! characters whatever the language (see [`super::tokens`]).

use frostem::Algorithm;

/// A language quire knows: its ISO 639-1 code, whatlang's ISO 639-3 code
/// for it, and its Snowball stemmer, if any.
struct Known {
    code: &'static str,
    detected_as: &'static str,
    stemmer: Option<Algorithm>,
}

const fn known(code: &'static str, detected_as: &'static str, stemmer: Algorithm) -> Known {
    Known {
        code,
        detected_as,
        stemmer: Some(stemmer),
    }
}

const fn unstemmed(code: &'static str, detected_as: &'static str) -> Known {
    Known {
        code,
        detected_as,
        stemmer: None,
    }
}

/// The languages with a stemmer, then those detected without one.
const LANGUAGES: &[Known] = &[
    known("ar", "ara", Algorithm::Arabic),
    known("ca", "cat", Algorithm::Catalan),
    known("cs", "ces", Algorithm::Czech),
    known("da", "dan", Algorithm::Danish),
    known("de", "deu", Algorithm::German),
    known("el", "ell", Algorithm::Greek),
    known("en", "eng", Algorithm::English),
    known("es", "spa", Algorithm::Spanish),
    known("fi", "fin", Algorithm::Finnish),
    known("fr", "fra", Algorithm::French),
    known("hu", "hun", Algorithm::Hungarian),
    known("id", "ind", Algorithm::Indonesian),
    known("it", "ita", Algorithm::Italian),
    known("lt", "lit", Algorithm::Lithuanian),
    known("nl", "nld", Algorithm::Dutch),
    known("no", "nob", Algorithm::Norwegian),
    known("pl", "pol", Algorithm::Polish),
    known("pt", "por", Algorithm::Portuguese),
    known("ro", "ron", Algorithm::Romanian),
    known("ru", "rus", Algorithm::Russian),
    known("sv", "swe", Algorithm::Swedish),
    known("ta", "tam", Algorithm::Tamil),
    known("tr", "tur", Algorithm::Turkish),
    unstemmed("zh", "cmn"),
    unstemmed("ja", "jpn"),
    unstemmed("ko", "kor"),
    unstemmed("uk", "ukr"),
    unstemmed("bg", "bul"),
    unstemmed("he", "heb"),
    unstemmed("hi", "hin"),
    unstemmed("vi", "vie"),
    unstemmed("th", "tha"),
    unstemmed("sk", "slk"),
    unstemmed("sl", "slv"),
    unstemmed("hr", "hrv"),
    unstemmed("sr", "srp"),
    unstemmed("fa", "pes"),
    unstemmed("et", "est"),
    unstemmed("lv", "lav"),
    unstemmed("af", "afr"),
    unstemmed("eo", "epo"),
];

/// The code a language tag stands for: the lower-cased primary subtag of a
/// BCP 47 tag (`de-DE`, `pt_BR`, `zh-Hans-CN` give `de`, `pt`, `zh`;
/// Norwegian's `nb` and `nn` give `no`). `None` for a tag that is none
/// (empty, `und`, not 2 or 3 ASCII letters).
pub fn language_code(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?;
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let primary = primary.to_ascii_lowercase();
    Some(match primary.as_str() {
        "und" | "mul" | "zxx" => return None,
        "nb" | "nn" | "nor" => "no".to_string(),
        // ISO 639-2 codes some pages give, for the languages above.
        three if three.len() == 3 => LANGUAGES
            .iter()
            .find(|k| k.detected_as == three)
            .map_or(primary.clone(), |k| k.code.to_string()),
        _ => primary,
    })
}

/// The most text [`detect`] reads: the model's verdict settles long before.
const DETECT_BYTES: usize = 4096;

/// The language `text` is written in, if it can be told reliably
/// (whatlang's own confidence threshold), as an ISO 639-1 code.
pub fn detect_language(text: &str) -> Option<&'static str> {
    let mut end = text.len().min(DETECT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let info = whatlang::detect(&text[..end])?;
    if !info.is_reliable() {
        return None;
    }
    let code = info.lang().code();
    LANGUAGES
        .iter()
        .find(|k| k.detected_as == code)
        .map(|k| k.code)
}

/// The Snowball stemmer of the language `code`, if quire has one.
pub(crate) fn stemmer(code: &str) -> Option<Algorithm> {
    LANGUAGES
        .iter()
        .find(|k| k.code == code)
        .and_then(|k| k.stemmer)
}

/// Whether words of the language `code` are stemmed as English words are,
/// that is, whether its sections are analysed as the index's fields are
/// declared (`en_stem`): English, and languages with no stemmer of their
/// own (Chinese, Japanese, Korean, ...).
pub(crate) fn analysed_as_english(code: &str) -> bool {
    matches!(stemmer(code), None | Some(Algorithm::English))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_give_their_primary_language() {
        assert_eq!(language_code("de-DE").as_deref(), Some("de"));
        assert_eq!(language_code(" pt_BR ").as_deref(), Some("pt"));
        assert_eq!(language_code("zh-Hans-CN").as_deref(), Some("zh"));
        assert_eq!(language_code("EN").as_deref(), Some("en"));
        assert_eq!(language_code("nb").as_deref(), Some("no"));
        assert_eq!(language_code("deu").as_deref(), Some("de"));
        assert_eq!(language_code("haw").as_deref(), Some("haw"));
        for none in ["", "und", "x", "english", "d3", "-"] {
            assert_eq!(language_code(none), None, "{none}");
        }
    }

    #[test]
    fn languages_are_told_from_their_text() {
        let cases = [
            (
                "en",
                "The package manager installs, upgrades and removes software on the system.",
            ),
            (
                "de",
                "Die Paketverwaltung installiert, aktualisiert und entfernt Software auf dem System.",
            ),
            (
                "fr",
                "Le gestionnaire de paquets installe, met à jour et supprime les logiciels du système.",
            ),
            (
                "es",
                "El gestor de paquetes instala, actualiza y elimina los programas del sistema. \
                 Cada paquete contiene los archivos y las instrucciones para configurarlo.",
            ),
            (
                "ru",
                "Менеджер пакетов устанавливает, обновляет и удаляет программы в системе. \
                 Каждый пакет содержит файлы и сценарии для его настройки.",
            ),
            ("zh", "软件包管理器在系统上安装、升级和删除软件。"),
            (
                "ja",
                "パッケージマネージャーはシステムにソフトウェアをインストールします。",
            ),
        ];
        for (code, text) in cases {
            assert_eq!(detect_language(text), Some(code), "{text}");
        }
        assert_eq!(detect_language(""), None);
        assert_eq!(detect_language("12345 -- 678"), None);
    }

    #[test]
    fn stemmers_by_code() {
        assert!(stemmer("de").is_some());
        assert!(stemmer("zh").is_none());
        assert!(analysed_as_english("en") && analysed_as_english("ja"));
        assert!(!analysed_as_english("ru"));
    }
}
