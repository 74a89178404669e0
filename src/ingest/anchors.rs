//! Anchors: the slugs that name sections in links (`page#anchor`), unique
//! within an article.

use std::collections::{HashMap, HashSet};

/// An anchor slug as GitHub makes them: lower case, letters, digits, `-` and
/// `_` kept, white space turned into `-`, everything else dropped.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            slug.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            slug.push('-');
        }
    }
    slug
}

/// Hands out slugs that are unique within one article: the second
/// `treatment` becomes `treatment-1`, the third `treatment-2`.
///
/// Each id remembers the last number it was given, so that a heading
/// repeated n times (a changelog's `### Fixed`) costs n lookups, not n².
#[derive(Default)]
pub(crate) struct Anchors {
    used: HashSet<String>,
    /// The ids the document gives its headings: a slug made for another
    /// heading never takes one, so that each stays a link to its own.
    reserved: HashSet<String>,
    /// For each id asked for, the highest number it has been given.
    numbered: HashMap<String, usize>,
    /// How many candidates were looked up, to hold the cost to account.
    #[cfg(test)]
    probes: usize,
}

impl Anchors {
    /// Anchors for a document whose headings give these ids.
    pub(crate) fn reserving<'a>(ids: impl IntoIterator<Item = &'a str>) -> Anchors {
        Anchors {
            reserved: ids.into_iter().map(str::to_string).collect(),
            ..Anchors::default()
        }
    }

    /// The slug of `text` (`section` when it has none), numbered if the
    /// article used it before or the document gives it to a heading.
    pub(crate) fn unique(&mut self, text: &str) -> String {
        let slug = slugify(text);
        self.free(if slug.is_empty() { "section" } else { &slug }, true)
    }

    /// Keeps an id the document gave (it is a link target already), unless
    /// the article used it before: then it is numbered like a slug.
    pub(crate) fn unique_id(&mut self, id: &str) -> String {
        self.free(id, false)
    }

    /// `id`, or the first of `id-1`, `id-2`, ... not used yet (nor
    /// reserved, with `avoid_reserved`).
    fn free(&mut self, id: &str, avoid_reserved: bool) -> String {
        // A numbered candidate never takes an id the document gives.
        let taken = |anchors: &Anchors, candidate: &str| {
            anchors.used.contains(candidate)
                || ((avoid_reserved || candidate != id) && anchors.reserved.contains(candidate))
        };
        let mut candidate = id.to_string();
        // An id the document gives is its heading's, whatever slugs were
        // numbered around it.
        if !avoid_reserved && self.reserved.contains(id) && !self.used.contains(id) {
            self.used.insert(candidate.clone());
            return candidate;
        }
        // Numbers up to the last one given are taken: start after it.
        let mut n = self.numbered.get(id).copied().unwrap_or(0);
        if n > 0 {
            candidate = format!("{id}-{n}");
        }
        loop {
            #[cfg(test)]
            {
                self.probes += 1;
            }
            if !taken(self, &candidate) {
                break;
            }
            n += 1;
            candidate = format!("{id}-{n}");
        }
        if n > 0 {
            self.numbered.insert(id.to_string(), n);
        }
        self.used.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github() {
        assert_eq!(slugify("Drug treatment"), "drug-treatment");
        assert_eq!(slugify("  Q&A: what's next? "), "qa-whats-next");
        assert_eq!(slugify("Ménière's disease"), "ménières-disease");
    }

    #[test]
    fn anchors_are_unique_within_an_article() {
        let mut anchors = Anchors::default();
        assert_eq!(anchors.unique("Treatment"), "treatment");
        assert_eq!(anchors.unique("Treatment"), "treatment-1");
        assert_eq!(anchors.unique("treatment"), "treatment-2");
        assert_eq!(anchors.unique("???"), "section");
        // A slug keeps clear of the ids the document gives.
        let mut anchors = Anchors::reserving(["usage", "usage-1"]);
        assert_eq!(anchors.unique("Usage"), "usage-2");
        assert_eq!(anchors.unique_id("usage"), "usage");
        assert_eq!(anchors.unique_id("usage-1"), "usage-1");
        // A heading that looks like a numbered one keeps its place.
        let mut anchors = Anchors::default();
        assert_eq!(anchors.unique_id("fixed-2"), "fixed-2");
        assert_eq!(anchors.unique_id("fixed"), "fixed");
        assert_eq!(anchors.unique_id("fixed"), "fixed-1");
        assert_eq!(anchors.unique_id("fixed"), "fixed-3");
        assert_eq!(anchors.unique_id("fixed-1"), "fixed-1-1");
        assert_eq!(anchors.unique_id("fixed"), "fixed-4");
    }

    #[test]
    fn a_heading_repeated_n_times_costs_about_n_lookups() {
        // A changelog: `### Fixed` 20,000 times (once the square of it).
        let mut anchors = Anchors::default();
        let n = 20_000;
        for i in 0..n {
            let id = anchors.unique("Fixed");
            if i > 0 {
                assert_eq!(id, format!("fixed-{i}"));
            }
        }
        assert!(
            anchors.probes <= 2 * n,
            "{} lookups for {n} headings",
            anchors.probes
        );
    }
}
