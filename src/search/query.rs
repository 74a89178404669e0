//! The query language, read leniently.
//!
//! ```text
//! hemifacial spasm          every word must match (in the title, headings or body)
//! "facial nerve"            an exact phrase
//! -tumor  -"brain stem"     exclude a word or phrase
//! title:spasm  section:"differential diagnosis"  body:nerve
//!                           look only in the article title, the section's
//!                           headings, or the section itself (its headings
//!                           and text, not the title)
//! electromyo*               any word that starts so
//! ```
//!
//! There are no other operators: everything else is text. An unbalanced
//! quote is dropped and the words after it read as plain words; a lone `-`,
//! a scope with nothing after it and punctuation that holds no word are
//! ignored. Parsing never fails: whether anything is left to search for is
//! decided once the words are analysed (see [`super::words`]).

/// Where a clause looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The article title.
    Title,
    /// The section's headings.
    Section,
    /// The section's text.
    Body,
}

/// One word or phrase of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Clause {
    /// The text to analyse into terms.
    pub text: String,
    /// Whether the text was quoted.
    pub phrase: bool,
    /// Whether the word ended with `*`: any word starting with the text.
    pub prefix: bool,
    /// Whether matching sections are excluded rather than wanted.
    pub exclude: bool,
    /// The one field to look in, if any.
    pub scope: Option<Scope>,
}

/// Reads a query string into clauses.
pub(crate) fn parse(query: &str) -> Vec<Clause> {
    let mut clauses = Vec::new();
    let mut rest = query.trim_start();
    while !rest.is_empty() {
        let mut exclude = false;
        if let Some(after) = rest.strip_prefix(['-', '+']) {
            exclude = rest.starts_with('-');
            rest = after;
        }
        if let Some(after) = empty_scope(rest) {
            // `title:` with nothing after it scopes nothing: dropped.
            rest = after.trim_start();
            continue;
        }
        let scope = scope_prefix(rest).map(|(scope, after)| {
            rest = after;
            scope
        });
        let (text, phrase, after) = match rest.strip_prefix('"') {
            Some(inner) => match inner.find('"') {
                Some(end) => (&inner[..end], true, &inner[end + 1..]),
                // Unbalanced: drop the quote, read on as words.
                None => {
                    let (word, after) = next_word(inner);
                    (word, false, after)
                }
            },
            None => {
                let (word, after) = next_word(rest);
                (word, false, after)
            }
        };
        // `word*` (not a phrase, not a lone `*`) asks for a prefix.
        let (text, prefix) = match text.strip_suffix('*') {
            Some(stem) if !phrase && !stem.trim_end_matches('*').is_empty() => {
                (stem.trim_end_matches('*'), true)
            }
            _ => (text, false),
        };
        if !text.trim().is_empty() {
            clauses.push(Clause {
                text: text.to_string(),
                phrase,
                prefix,
                exclude,
                scope,
            });
        }
        rest = after.trim_start();
    }
    clauses
}

/// `title:`, `section:` or `body:` (any case) at the start of `text` and
/// followed by something to scope.
fn scope_prefix(text: &str) -> Option<(Scope, &str)> {
    let (name, after) = text.split_once(':')?;
    let scope = match name.to_ascii_lowercase().as_str() {
        "title" => Scope::Title,
        "section" | "heading" | "headings" => Scope::Section,
        "body" | "text" => Scope::Body,
        _ => return None,
    };
    (!after.is_empty() && !after.starts_with(char::is_whitespace)).then_some((scope, after))
}

/// What follows a scope with nothing to scope (`title:` at the end or
/// before white space), if `text` starts with one.
fn empty_scope(text: &str) -> Option<&str> {
    let (name, after) = text.split_once(':')?;
    let named = matches!(
        name.to_ascii_lowercase().as_str(),
        "title" | "section" | "heading" | "headings" | "body" | "text"
    );
    (named && (after.is_empty() || after.starts_with(char::is_whitespace))).then_some(after)
}

/// The text up to the next white space, and what follows it.
fn next_word(text: &str) -> (&str, &str) {
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], &text[end..]),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Clause {
        Clause {
            text: text.into(),
            phrase: false,
            prefix: false,
            exclude: false,
            scope: None,
        }
    }

    #[test]
    fn words_phrases_exclusions_and_scopes() {
        let clauses = parse(r#"spasm "facial nerve" -tumor title:twitch section:"a b" +x"#);
        assert_eq!(clauses.len(), 6);
        assert_eq!(clauses[0], word("spasm"));
        assert_eq!(clauses[1].text, "facial nerve");
        assert!(clauses[1].phrase);
        assert!(clauses[2].exclude);
        assert_eq!(clauses[3].scope, Some(Scope::Title));
        assert_eq!(clauses[4].scope, Some(Scope::Section));
        assert!(clauses[4].phrase);
        assert_eq!(clauses[5], word("x"));
    }

    #[test]
    fn odd_input_is_read_literally() {
        assert_eq!(
            parse(r#""unbalanced quote"#),
            [word("unbalanced"), word("quote")]
        );
        assert_eq!(parse("- *"), [word("*")]);
        // A scope with nothing after it is dropped, as the docs say.
        assert_eq!(parse("title:"), []);
        assert_eq!(parse("title: spasm"), [word("spasm")]);
        assert_eq!(parse("gout body:"), [word("gout")]);
        assert_eq!(parse("-section: x"), [word("x")]);
        assert_eq!(parse("note:"), [word("note:")]);
        assert_eq!(parse("http://x.org"), [word("http://x.org")]);
        assert!(parse("").is_empty());
        assert!(parse("  \t\n ").is_empty());
        assert_eq!(parse(r#""""#), []);
        assert_eq!(
            parse("--x"),
            [Clause {
                exclude: true,
                ..word("-x")
            }]
        );
    }
}
