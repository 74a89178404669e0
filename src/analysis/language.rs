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

use std::sync::OnceLock;

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
    let text = &text[..end];
    if let Some(code) = by_script(text) {
        return Some(code);
    }
    if reads_as_english(text) {
        return Some("en");
    }
    // Only the languages quire knows are scored: most of the model's time
    // goes to scoring each candidate.
    static DETECTOR: OnceLock<whatlang::Detector> = OnceLock::new();
    let detector = DETECTOR.get_or_init(|| {
        whatlang::Detector::with_allowlist(
            LANGUAGES
                .iter()
                .filter_map(|k| whatlang::Lang::from_code(k.detected_as))
                .collect(),
        )
    });
    let info = match other_alphabet_words(text) {
        Some(words) => detector.detect(&words)?,
        None => detector.detect(text)?,
    };
    if !info.is_reliable() {
        return None;
    }
    let code = info.lang().code();
    LANGUAGES
        .iter()
        .find(|k| k.detected_as == code)
        .map(|k| k.code)
}

/// Chinese, Japanese or Korean, for text whose letters are largely in
/// their scripts, told by the scripts alone: kana is Japanese, Hangul
/// Korean, Han without either Chinese. The detector's model hesitates on
/// such text mixed with English commands and names, as documentation is.
fn by_script(text: &str) -> Option<&'static str> {
    let (mut letters, mut han, mut kana, mut hangul) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        match c as u32 {
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => kana += 1,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => hangul += 1,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF => han += 1,
            _ => {}
        }
    }
    let cjk = han + kana + hangul;
    if cjk < 10 || cjk * 10 < letters * 3 {
        return None;
    }
    Some(if hangul * 2 > cjk {
        "ko"
    } else if kana * 20 >= cjk {
        "ja"
    } else {
        "zh"
    })
}

/// The words of `text` in an alphabet other than Latin (Cyrillic, Greek,
/// Arabic, Hebrew, ...), when at least three letters in ten are in one:
/// the text is in that alphabet's language, and the words in Latin letters
/// around them are commands, paths and names. The detector's model first
/// picks the script with the most letters, and documentation in Russian
/// has as many Latin letters as Cyrillic ones in its commands and paths.
fn other_alphabet_words(text: &str) -> Option<String> {
    let (mut letters, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        other += usize::from(!is_latin(c));
    }
    if other < 10 || other * 10 < letters * 3 {
        return None;
    }
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphabetic() && !is_latin(c)))
        .collect();
    Some(words.join(" "))
}

/// Whether the letter `c` is of the Latin script: ASCII, its supplements
/// and extensions, and its full-width forms.
fn is_latin(c: char) -> bool {
    matches!(c as u32, 0..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF | 0xFF21..=0xFF5A)
}

/// English words no other language has as common words.
const ENGLISH_MARKS: &[&str] = &[
    "the", "and", "of", "to", "that", "for", "with", "this", "are", "from", "which", "by", "be",
    "was", "or", "can", "not", "you", "it", "have",
];

/// Whether `text` is plainly English: nearly all its letters are ASCII and
/// at least one word in eight is a common English word no other language
/// uses as often. A shortcut past the detector's model, which costs as
/// much as splitting a short article, for the language most text is in.
fn reads_as_english(text: &str) -> bool {
    let (mut words, mut marks, mut letters, mut ascii) = (0usize, 0usize, 0usize, 0usize);
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        words += 1;
        letters += word.chars().count();
        ascii += word.bytes().filter(u8::is_ascii).count();
        if word.len() <= 5 && ENGLISH_MARKS.iter().any(|m| m.eq_ignore_ascii_case(word)) {
            marks += 1;
        }
    }
    words >= 20 && marks * 8 >= words && ascii * 100 >= letters * 98
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
        // Japanese and Chinese documentation, English commands in it.
        assert_eq!(
            detect_language(
                "apt-get install foo を実行すると、パッケージ foo がインストールされます。"
            ),
            Some("ja")
        );
        assert_eq!(
            detect_language("运行 apt-get install foo 命令可以安装软件包 foo 和它的依赖。"),
            Some("zh")
        );
        assert_eq!(
            detect_language("패키지 관리자는 시스템에 소프트웨어를 설치합니다."),
            Some("ko")
        );
        // Russian documentation with as many Latin letters, in commands and
        // paths, as Cyrillic ones; English with a Russian word in it.
        assert_eq!(
            detect_language(
                "Чтобы изменить раскладку клавиатуры для всей системы, отредактируйте \
                 файл /etc/default/keyboard и выполните команду setupcon --force \
                 --save-only /usr/share/keymaps/custom.map, then dpkg-reconfigure \
                 keyboard-configuration --frontend=noninteractive --priority=critical \
                 /usr/share/X11/xkb/symbols/us /usr/share/X11/xkb/rules/evdev.lst"
            ),
            Some("ru")
        );
        assert_eq!(
            detect_language(
                "The word for package manager in the Russian translation is менеджер, \
                 and the rest of the page reads as the English original does."
            ),
            Some("en")
        );
        // Plain English, told without the model; German is not taken for it.
        let english = "The package manager installs software on the system, and it can \
                       remove what was installed. This is done from the command line or with \
                       a program that shows which packages are there.";
        assert!(reads_as_english(english));
        assert_eq!(detect_language(english), Some("en"));
        assert!(!reads_as_english(
            "Die Paketverwaltung installiert Software auf dem System und kann entfernen, \
             was installiert wurde. Das geschieht auf der Kommandozeile oder mit einem \
             Programm, das zeigt, welche Pakete es gibt, und die Abhängigkeiten auflöst."
        ));
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
