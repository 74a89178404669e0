//! "Did you mean": when nothing matched, the query with each word the
//! corpus does not have replaced by the nearest word it has.

use tantivy::Searcher;
use tantivy::schema::Field;

use super::query::{self, Clause, Scope};
use super::typos::{self, TypoCache};
use crate::analysis::analyzers::{lowercase_words, terms};

/// The query with each plain word the corpus does not have replaced by the
/// nearest word of the `words` field (two edits at most, the most frequent
/// of the nearest), or `None` when no word could be replaced. Words already
/// looked up within two typos come from `cache`.
pub(crate) fn suggest(
    searcher: &Searcher,
    words_field: Field,
    cache: &TypoCache,
    query: &str,
) -> tantivy::Result<Option<String>> {
    let mut plain = lowercase_words();
    let mut changed = false;
    let mut out = Vec::new();
    for clause in query::parse(query) {
        let raw = terms(&mut plain, &clause.text);
        let replacement = match &raw[..] {
            [word]
                if !clause.exclude
                    && !clause.phrase
                    && !clause.prefix
                    && word.chars().count() >= 3 =>
            {
                if typos::contains(searcher, words_field, word)? {
                    None
                } else {
                    cache
                        .fuzzy(searcher, words_field, word, 2)?
                        .first()
                        .map(|(w, _)| w.clone())
                }
            }
            _ => None,
        };
        match replacement {
            Some(word) => {
                changed = true;
                out.push(word);
            }
            None => out.push(display_clause(&clause)),
        }
    }
    Ok(changed.then(|| out.join(" ")))
}

/// A clause as the user could type it again.
fn display_clause(clause: &Clause) -> String {
    let scope = match clause.scope {
        Some(Scope::Title) => "title:",
        Some(Scope::Section) => "section:",
        Some(Scope::Body) => "body:",
        None => "",
    };
    let sign = if clause.exclude { "-" } else { "" };
    let star = if clause.prefix { "*" } else { "" };
    if clause.phrase {
        format!("{sign}{scope}\"{}\"", clause.text)
    } else {
        format!("{sign}{scope}{}{star}", clause.text)
    }
}
