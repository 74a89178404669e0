//! Splitting rules: the data that tunes the plain-text splitter to a site's
//! template.
//!
//! The splitter's logic is general; what is particular to a site (which
//! headings are always top-level, which paragraphs are boilerplate) lives in
//! a TOML file. quire ships one for the seed corpus's template
//! (`src/default-rules.toml`); users add their own with `--rules FILE`.

use std::path::Path;

use serde::Deserialize;

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
}

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
    /// is not valid TOML, has an unknown key, or sets a limit to zero.
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
    /// [`Error::Rules`] (with no path) when the text is not valid TOML, has
    /// an unknown key, or sets a limit to zero; the rules are then as they
    /// were.
    pub fn extend_from_str(&mut self, toml_text: &str) -> Result<()> {
        let refuse = |reason: String| Error::Rules { path: None, reason };
        let file: RulesFile =
            toml::from_str(toml_text).map_err(|e| refuse(one_line(e.message())))?;
        if file.max_heading_words == Some(0) || file.max_heading_chars == Some(0) {
            return Err(refuse(
                "max_heading_words and max_heading_chars must be at least 1".into(),
            ));
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
