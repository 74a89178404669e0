//! Links to the sections hits land on: the URL a folder is published at
//! (`quire index --base-url`), then the article's id, then `#` and the
//! section's anchor when the page has it. A section whose page gives it no
//! anchor is linked by a text fragment (`#:~:text=`, the URL Fragment
//! Text Directive that Chromium, Safari and Firefox follow): the browser
//! scrolls to the first place the section's heading is written in the page
//! (a short heading: followed by its text's first word) and marks it; a
//! browser that does not know the directive opens the
//! page at its top, as a link without a fragment would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::{DocAddress, Searcher};

use crate::store::document::StoredSection;
use crate::store::open::Store;
use crate::store::schema::names;

/// The base URLs of the commit a search reads, by the hash of their
/// folder, remembered until the next commit.
#[derive(Default)]
pub(crate) struct SitesCache {
    remembered: Mutex<Option<(u64, Arc<Sites>)>>,
}

/// A commit's base URLs, by the hash of their folder.
#[derive(Debug, Default)]
pub(crate) struct Sites {
    /// The URL and the ids' prefix of each folder.
    by_root: HashMap<u64, (String, String)>,
}

impl SitesCache {
    /// The base URLs for the searcher generation `generation` of `store`.
    pub(crate) fn get(&self, store: &Store, generation: u64) -> tantivy::Result<Arc<Sites>> {
        let mut remembered = self.remembered.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, sites)) = &*remembered
            && *g == generation
        {
            return Ok(sites.clone());
        }
        let by_root = store
            .committed(generation)?
            .sites
            .iter()
            .map(|s| (s.root_key, (s.url.clone(), s.id_prefix.clone())))
            .collect();
        let sites = Arc::new(Sites { by_root });
        *remembered = Some((generation, sites.clone()));
        Ok(sites)
    }
}

impl Sites {
    /// Whether no folder has a base URL.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_root.is_empty()
    }

    /// The link to `target`, a section of an article indexed from the
    /// folder hashed as `root_key`, if that folder has a base URL.
    pub(crate) fn url(&self, root_key: u64, target: &Target<'_>) -> Option<String> {
        let (base, prefix) = self.by_root.get(&root_key)?;
        let id = target.id;
        let id = id.strip_prefix(prefix.as_str()).unwrap_or(id);
        Some(link(base, id, target.fragment()))
    }
}

/// A section a link is for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    /// The article's id.
    pub id: &'a str,
    /// The section's anchor,
    pub anchor: &'a str,
    /// and whether the page has it.
    pub anchor_in_page: bool,
    /// The section's own heading; `None` for the part of an article
    /// before its first heading, which the page's own link opens at.
    pub heading: Option<&'a str>,
    /// The section's text, whose first words tell a short heading from
    /// the same words written earlier in the page.
    pub text: &'a str,
}

impl<'a> Target<'a> {
    /// The section `stored`.
    pub(crate) fn of(stored: &'a StoredSection) -> Target<'a> {
        Target {
            id: &stored.article_id,
            anchor: &stored.anchor,
            anchor_in_page: stored.anchor_in_page,
            heading: stored.path.last().map(String::as_str),
            text: &stored.text,
        }
    }

    /// The article's page, at its top.
    pub(crate) fn page(id: &'a str) -> Target<'a> {
        Target {
            id,
            anchor: "",
            anchor_in_page: false,
            heading: None,
            text: "",
        }
    }

    /// What follows the `#`: the anchor when the page has it, else a text
    /// directive for the heading (a fragment the page lacks leads
    /// nowhere), else nothing.
    fn fragment(&self) -> Option<Fragment<'a>> {
        if self.anchor_in_page {
            return Some(Fragment::Anchor(self.anchor));
        }
        let heading = self.heading.filter(|h| !h.trim().is_empty())?;
        let short = heading.split_whitespace().count() <= SHORT_HEADING;
        // A mark or a dash that opens the text (`•`, `—`) may be no word
        // of the page's text to a browser: then the heading goes alone.
        let after = match short {
            true => self.text.split_whitespace().next(),
            false => None,
        }
        .filter(|w| w.chars().any(char::is_alphanumeric));
        Some(Fragment::Text { heading, after })
    }
}

/// What a link's fragment points at.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fragment<'a> {
    /// An `id` (or `name`) of the page.
    Anchor(&'a str),
    /// The first place the words of `heading` are written in the page,
    /// with the word `after`, if any, right after them (whitespace
    /// between).
    Text {
        heading: &'a str,
        after: Option<&'a str>,
    },
}

/// Headings of up to this many words are found by their words and the
/// first word of their text: a one-word heading such as `Flags` or
/// `Example` is often written earlier in the page, in a sentence or a list
/// of contents. Longer ones are found by their own words alone, as the
/// fewer words a directive names, the fewer can read differently in the
/// page than in quire's text (where a directive misses, the browser opens
/// the page at its top). One word of the text, not more: the page may put
/// more than whitespace between the next ones (list items do).
const SHORT_HEADING: usize = 3;

/// Words of a heading past which a text directive names its first and
/// last words (`start,end`) rather than all of them: a long heading
/// (a method's signature, say) makes a long link, and one word quire reads
/// apart from the page (a `<br>`, an inline image's text) would make the
/// whole of it miss.
const DIRECTIVE_WORDS: usize = 8;

/// Words at each end of a long heading's directive.
const DIRECTIVE_ENDS: usize = 3;

impl Sites {
    /// The link to `target`, the section at `address` of `searcher`, if
    /// its folder has a base URL.
    pub(crate) fn url_at(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        target: &Target<'_>,
    ) -> tantivy::Result<Option<String>> {
        if self.is_empty() {
            return Ok(None);
        }
        let root_key = searcher
            .segment_reader(address.segment_ord)
            .fast_fields()
            .u64(names::ROOT_KEY)?
            .first(address.doc_id)
            .unwrap_or(0);
        Ok(self.url(root_key, target))
    }
}

/// `base` (ending with `/`), then `id` and `#` and the fragment, each
/// escaped as a URL's path and fragment are.
pub(crate) fn link(base: &str, id: &str, fragment: Option<Fragment<'_>>) -> String {
    let mut url = String::with_capacity(base.len() + id.len() + 16);
    url.push_str(base);
    escape(&mut url, id, |b| {
        b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b)
    });
    match fragment {
        None => {}
        Some(Fragment::Anchor(anchor)) => {
            url.push('#');
            escape(&mut url, anchor, |b| {
                b.is_ascii_alphanumeric() || b"/?-._~!$&'()*+,;=:@".contains(&b)
            });
        }
        Some(Fragment::Text { heading, after }) => {
            url.push_str("#:~:text=");
            let words: Vec<&str> = heading.split_whitespace().collect();
            // `-`, `,` and `&` are the directive's own syntax.
            let term = |url: &mut String, words: &[&str]| {
                escape(url, &words.join(" "), |b| {
                    b.is_ascii_alphanumeric() || b"/?._~!$'()*+;=:@".contains(&b)
                });
            };
            if words.len() > DIRECTIVE_WORDS {
                term(&mut url, &words[..DIRECTIVE_ENDS]);
                url.push(',');
                term(&mut url, &words[words.len() - DIRECTIVE_ENDS..]);
            } else {
                term(&mut url, &words);
            }
            if let Some(after) = after {
                url.push_str(",-");
                term(&mut url, &[after]);
            }
        }
    }
    url
}

/// Appends `text` to `out`, every byte `keep` refuses as `%XX`.
fn escape(out: &mut String, text: &str, keep: impl Fn(u8) -> bool) {
    for &b in text.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_escape_the_path_and_the_fragment() {
        assert_eq!(
            link(
                "https://x.org/docs/",
                "guide/intro.html",
                Some(Fragment::Anchor("set-up"))
            ),
            "https://x.org/docs/guide/intro.html#set-up"
        );
        assert_eq!(
            link("/d/", "a b/ü.html", Some(Fragment::Anchor("<init>(int)"))),
            "/d/a%20b/%C3%BC.html#%3Cinit%3E(int)"
        );
        assert_eq!(link("/d/", "p#1.html", None), "/d/p%231.html");
        let sites = Sites {
            by_root: HashMap::from([
                (7, ("/d/".to_string(), String::new())),
                (8, ("/e/".to_string(), "en/".to_string())),
            ]),
        };
        let target = |id, anchor, anchor_in_page, heading| Target {
            id,
            anchor,
            anchor_in_page,
            heading,
            text: "",
        };
        // A prefix ids took from their folder's name is no part of links.
        assert_eq!(
            sites
                .url(8, &target("en/a.html", "x", true, None))
                .as_deref(),
            Some("/e/a.html#x")
        );
        assert_eq!(
            sites.url(7, &target("a.html", "x", true, None)).as_deref(),
            Some("/d/a.html#x")
        );
        assert_eq!(sites.url(9, &target("a.html", "x", true, None)), None);
        // No anchor in the page: the heading's words, or the page.
        assert_eq!(
            sites.url(7, &target("a.html", "x", false, None)).as_deref(),
            Some("/d/a.html")
        );
        assert_eq!(
            sites.url(7, &Target::page("a.html")).as_deref(),
            Some("/d/a.html")
        );
        assert_eq!(
            sites
                .url(7, &target("a.html", "x", false, Some("Synopsis")))
                .as_deref(),
            Some("/d/a.html#:~:text=Synopsis")
        );
        // The directive's own syntax is escaped, and whitespace is one space.
        assert_eq!(
            sites
                .url(
                    7,
                    &target("a.html", "x", false, Some("Pre-  & post, conditions"))
                )
                .as_deref(),
            Some("/d/a.html#:~:text=Pre%2D%20%26%20post%2C%20conditions")
        );
        // A short heading: the first words of its text follow it.
        let flags = Target {
            text: "The following flags apply.",
            ..target("a.html", "x", false, Some("Flags"))
        };
        assert_eq!(
            sites.url(7, &flags).as_deref(),
            Some("/d/a.html#:~:text=Flags,-The")
        );
        let marked = Target {
            text: "• First point",
            ..flags
        };
        assert_eq!(
            sites.url(7, &marked).as_deref(),
            Some("/d/a.html#:~:text=Flags")
        );
        // A long heading: its first and last words.
        let long = "public static <T> void sort(T[] a, Comparator<? super T> c)";
        assert_eq!(
            sites
                .url(7, &target("a.html", "x", false, Some(long)))
                .as_deref(),
            Some("/d/a.html#:~:text=public%20static%20%3CT%3E,super%20T%3E%20c)")
        );
        assert_eq!(
            sites
                .url(7, &target("a.html", "x", false, Some("  ")))
                .as_deref(),
            Some("/d/a.html")
        );
    }
}
