//! Rules: the data that tunes quire to a site and to its readers' words.
//!
//! The splitter's logic is general; what is particular to a site (which
//! headings are always top-level, which paragraphs are boilerplate) lives in
//! a TOML file, and so do the query's stop words and synonyms (which the
//! search applies; see `search::vocabulary`). quire ships one file
//! (`src/ingest/default-rules.toml`); users add their own with `--rules
//! FILE`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, one_line};

const BUILTIN: &str = include_str!("default-rules.toml");

/// The rules the plain-text splitter follows.
///
/// [`Rules::default`] gives the built-in rules; [`Rules::extend_from_file`]
/// adds a user's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Headings that always open a top-level section.
    pub top_level_headings: Vec<String>,
    /// Phrases that mark a paragraph as boilerplate when it begins with one.
    pub boilerplate: Vec<String>,
    /// Words ignored when comparing a heading with its parent.
    pub heading_stop_words: Vec<String>,
    /// The most words a heading line may have.
    pub max_heading_words: usize,
    /// The most characters a heading line may have.
    pub max_heading_chars: usize,
    /// Query words that decide neither which sections match nor how they
    /// rank, per language (`en`: English), lower case. They still count
    /// inside a quoted phrase and in a query made only of them.
    pub stop_words: BTreeMap<String, Vec<String>>,
    /// Groups of words or phrases that mean the same: a query that has one
    /// also finds the others, ranked a little below the words as typed.
    pub synonyms: Vec<Vec<String>>,
}

/// The part of the rules the search applies: an index keeps the ones it
/// was last built with (see `store::payload`), so that every program that
/// searches it applies the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SearchRules {
    pub(crate) stop_words: BTreeMap<String, Vec<String>>,
    pub(crate) synonyms: Vec<Vec<String>>,
}

impl Default for SearchRules {
    /// The built-in ones, for an index that keeps none.
    fn default() -> SearchRules {
        Rules::default().search_rules()
    }
}

/// Words that may never be stop words, per language: they turn what a
/// sentence says around (`not contagious`). The `t` of `don't` is one.
pub(crate) const NEGATIONS: &[(&str, &[&str])] = &[
    (
        "de",
        &[
            "kein", "keine", "keinem", "keinen", "keiner", "keines", "nicht", "nie", "niemals",
            "ohne", "weder",
        ],
    ),
    (
        "en",
        &[
            "cannot", "neither", "never", "no", "none", "nor", "not", "nothing", "t", "without",
        ],
    ),
    (
        "es",
        &[
            "jamás", "nada", "ni", "ningún", "ninguna", "ninguno", "no", "nunca", "sin", "tampoco",
        ],
    ),
    (
        "fr",
        &[
            "aucun", "aucune", "jamais", "ne", "ni", "non", "pas", "rien", "sans",
        ],
    ),
];

/// One rules file as written: every key optional, so that a user's file
/// names only what it adds.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    top_level_headings: Vec<String>,
    #[serde(default)]
    boilerplate: Vec<String>,
    #[serde(default)]
    heading_stop_words: Vec<String>,
    max_heading_words: Option<usize>,
    max_heading_chars: Option<usize>,
    #[serde(default)]
    stop_words: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    synonyms: Vec<Vec<String>>,
}

impl Default for Rules {
    /// The built-in rules, for the seed corpus's site template.
    fn default() -> Rules {
        let mut rules = Rules {
            top_level_headings: vec![],
            boilerplate: vec![],
            heading_stop_words: vec![],
            max_heading_words: 8,
            max_heading_chars: 80,
            stop_words: BTreeMap::new(),
            synonyms: vec![],
        };
        // The built-in file is part of the source and a unit test parses it,
        // so this cannot fail at run time.
        let file: RulesFile = toml::from_str(BUILTIN).expect("built-in rules are valid TOML");
        rules.merge(file);
        rules
    }
}

impl Rules {
    /// Adds the rules in the TOML file at `path` to these: its lists are
    /// appended, its numbers replace these.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::Rules`] when it
    /// is not valid TOML, has an unknown key, sets a limit to zero, makes a
    /// negation (`no`, `not`, `without`, ...) a stop word, or has a synonym group of
    /// fewer than two entries.
    pub fn extend_from_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|err| Error::io(err, path))?;
        self.extend_from_str(&text).map_err(|err| match err {
            Error::Rules { reason, .. } => Error::Rules {
                path: Some(path.to_path_buf()),
                reason,
            },
            other => other,
        })
    }

    /// Adds the rules in `toml_text` to these, as [`Rules::extend_from_file`]
    /// does.
    ///
    /// # Errors
    ///
    /// [`Error::Rules`] (with no path) for the reasons
    /// [`Rules::extend_from_file`] gives; the rules are then as they were.
    pub fn extend_from_str(&mut self, toml_text: &str) -> Result<()> {
        let refuse = |reason: String| Error::Rules { path: None, reason };
        let file: RulesFile =
            toml::from_str(toml_text).map_err(|e| refuse(one_line(e.message())))?;
        if file.max_heading_words == Some(0) || file.max_heading_chars == Some(0) {
            return Err(refuse(
                "max_heading_words and max_heading_chars must be at least 1".into(),
            ));
        }
        for (language, words) in &file.stop_words {
            let negations = NEGATIONS
                .iter()
                .find(|(l, _)| l == language)
                .map_or(&[][..], |(_, n)| *n);
            if let Some(word) = words
                .iter()
                .find(|w| negations.contains(&w.trim().to_lowercase().as_str()))
            {
                return Err(refuse(format!(
                    "{word:?} cannot be a stop word ({language}): a negation turns what a sentence says around"
                )));
            }
        }
        if let Some(group) = file
            .synonyms
            .iter()
            .find(|g| g.iter().filter(|s| !s.trim().is_empty()).count() < 2)
        {
            return Err(refuse(format!(
                "the synonym group {group:?} needs at least two words or phrases"
            )));
        }
        self.merge(file);
        Ok(())
    }

    fn merge(&mut self, file: RulesFile) {
        self.top_level_headings.extend(file.top_level_headings);
        self.boilerplate.extend(file.boilerplate);
        self.heading_stop_words.extend(file.heading_stop_words);
        if let Some(n) = file.max_heading_words {
            self.max_heading_words = n;
        }
        if let Some(n) = file.max_heading_chars {
            self.max_heading_chars = n;
        }
        for (language, words) in file.stop_words {
            let list = self.stop_words.entry(language).or_default();
            for word in words {
                let word = word.trim().to_lowercase();
                if !word.is_empty() && !list.contains(&word) {
                    list.push(word);
                }
            }
        }
        self.synonyms.extend(file.synonyms);
    }

    /// The stop words and synonyms, which the search applies.
    pub(crate) fn search_rules(&self) -> SearchRules {
        SearchRules {
            stop_words: self.stop_words.clone(),
            synonyms: self.synonyms.clone(),
        }
    }

    /// What the splitter reads of these rules, as text: changing it means
    /// splitting every article again (stop words and synonyms are the
    /// search's: they change no section).
    pub(crate) fn splitting_key(&self) -> String {
        format!(
            "{:?}",
            (
                &self.top_level_headings,
                &self.boilerplate,
                &self.heading_stop_words,
                self.max_heading_words,
                self.max_heading_chars
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse() {
        let rules = Rules::default();
        assert!(rules.top_level_headings.iter().any(|h| h == "Examine"));
        assert!(rules.boilerplate.iter().any(|b| b.starts_with("Was this")));
        assert!(!rules.heading_stop_words.iter().any(|w| w == "not"));
        assert_eq!(rules.max_heading_words, 8);
        let english = &rules.stop_words["en"];
        for word in ["what", "how", "is", "the", "can", "does", "my", "it"] {
            assert!(english.iter().any(|w| w == word), "{word}");
        }
        for (language, negations) in NEGATIONS {
            for word in rules.stop_words.get(*language).into_iter().flatten() {
                assert!(!negations.contains(&word.as_str()), "{word} ({language})");
            }
        }
        assert!(rules.synonyms.is_empty());
    }

    #[test]
    fn stop_words_and_synonyms_are_added_and_checked() {
        let mut rules = Rules::default();
        rules
            .extend_from_str(
                "synonyms = [[\"MVD\", \"microvascular decompression\"]]\n\
                 [stop_words]\nen = [\"Please\", \"what\"]\nfr = [\"le\", \"Voilà\"]\n",
            )
            .unwrap();
        let english = &rules.stop_words["en"];
        assert_eq!(english.iter().filter(|w| *w == "what").count(), 1);
        assert_eq!(english.last().unwrap(), "please");
        // Added to the built-in French words, once each.
        let french = &rules.stop_words["fr"];
        assert_eq!(french.iter().filter(|w| *w == "le").count(), 1);
        assert_eq!(french.last().unwrap(), "voilà");
        assert_eq!(rules.synonyms.len(), 1);
        // Search rules change no section.
        assert_eq!(rules.splitting_key(), Rules::default().splitting_key());

        for (text, said) in [
            (
                "[stop_words]\nen = [\"Not\"]",
                "\"Not\" cannot be a stop word (en)",
            ),
            ("[stop_words]\nfr = [\"pas\"]", "cannot be a stop word (fr)"),
            ("synonyms = [[\"MVD\"]]", "at least two"),
            ("synonyms = [[\"MVD\", \" \"]]", "at least two"),
        ] {
            let mut rules = Rules::default();
            let err = rules.extend_from_str(text).unwrap_err().to_string();
            assert!(err.contains(said), "{err}");
            assert_eq!(rules, Rules::default());
        }
    }

    #[test]
    fn user_rules_extend_the_builtin_ones() {
        let mut rules = Rules::default();
        let before = rules.top_level_headings.len();
        rules
            .extend_from_str("top_level_headings = [\"Overview\"]\nmax_heading_words = 5\n")
            .unwrap();
        assert_eq!(rules.top_level_headings.len(), before + 1);
        assert_eq!(rules.top_level_headings.last().unwrap(), "Overview");
        assert_eq!(rules.max_heading_words, 5);
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason() {
        let mut rules = Rules::default();
        let err = rules
            .extend_from_str("top_level = [\"x\"]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field"), "{err}");
        assert!(!err.contains('\n'));
        let err = rules
            .extend_from_str("max_heading_words = 0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 1"), "{err}");
        assert_eq!(rules, Rules::default());
    }
}
