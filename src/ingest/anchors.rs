//! Anchors: the slugs that name sections in links (`page#anchor`), unique
//! within an article.

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
#[derive(Default)]
pub(crate) struct Anchors {
    used: std::collections::HashSet<String>,
}

impl Anchors {
    /// The slug of `text` (`section` when it has none), numbered if the
    /// article used it before.
    pub(crate) fn unique(&mut self, text: &str) -> String {
        let slug = slugify(text);
        self.unique_id(if slug.is_empty() { "section" } else { &slug })
    }

    /// Keeps an id the document gave (it is a link target already), unless
    /// the article used it before: then it is numbered like a slug.
    pub(crate) fn unique_id(&mut self, id: &str) -> String {
        let mut candidate = id.to_string();
        let mut n = 0;
        while self.used.contains(&candidate) {
            n += 1;
            candidate = format!("{id}-{n}");
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
    }
}
