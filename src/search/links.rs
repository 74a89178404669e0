//! Links to the sections hits land on: the URL a folder is published at
//! (`quire index --base-url`), then the article's id, then `#` and the
//! section's anchor when the page has it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::{DocAddress, Searcher};

use crate::store::open::Store;
use crate::store::payload;
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
        let metas = store.inner.load_metas()?;
        let by_root = payload::decode(metas.payload.as_deref())
            .map(|c| c.sites)
            .unwrap_or_default()
            .into_iter()
            .map(|s| (s.root_key, (s.url, s.id_prefix)))
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

    /// The link to a section of the article `id` indexed from the folder
    /// hashed as `root_key`: with its anchor when the page has it (else
    /// to the page: a fragment the page lacks leads nowhere).
    pub(crate) fn url(
        &self,
        root_key: u64,
        id: &str,
        anchor: &str,
        anchor_in_page: bool,
    ) -> Option<String> {
        let (base, prefix) = self.by_root.get(&root_key)?;
        let id = id.strip_prefix(prefix.as_str()).unwrap_or(id);
        Some(link(base, id, anchor_in_page.then_some(anchor)))
    }
}

impl Sites {
    /// The link to the section at `address` of `searcher` (of the article
    /// `id`; to its `anchor` when the page has it), if its folder has a
    /// base URL. `anchor_in_page` false links to the page.
    pub(crate) fn url_at(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        (id, anchor, anchor_in_page): (&str, &str, bool),
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
        Ok(self.url(root_key, id, anchor, anchor_in_page))
    }
}

/// `base` (ending with `/`), then `id` and `#anchor`, each escaped as a
/// URL's path and fragment are.
pub(crate) fn link(base: &str, id: &str, anchor: Option<&str>) -> String {
    let mut url = String::with_capacity(base.len() + id.len() + 16);
    url.push_str(base);
    escape(&mut url, id, |b| {
        b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b)
    });
    if let Some(anchor) = anchor {
        url.push('#');
        escape(&mut url, anchor, |b| {
            b.is_ascii_alphanumeric() || b"/?-._~!$&'()*+,;=:@".contains(&b)
        });
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
            link("https://x.org/docs/", "guide/intro.html", Some("set-up")),
            "https://x.org/docs/guide/intro.html#set-up"
        );
        assert_eq!(
            link("/d/", "a b/ü.html", Some("<init>(int)")),
            "/d/a%20b/%C3%BC.html#%3Cinit%3E(int)"
        );
        assert_eq!(link("/d/", "p#1.html", None), "/d/p%231.html");
        let sites = Sites {
            by_root: HashMap::from([
                (7, ("/d/".to_string(), String::new())),
                (8, ("/e/".to_string(), "en/".to_string())),
            ]),
        };
        // A prefix ids took from their folder's name is no part of links.
        assert_eq!(
            sites.url(8, "en/a.html", "x", true).as_deref(),
            Some("/e/a.html#x")
        );
        assert_eq!(
            sites.url(7, "a.html", "x", true).as_deref(),
            Some("/d/a.html#x")
        );
        assert_eq!(
            sites.url(7, "a.html", "x", false).as_deref(),
            Some("/d/a.html")
        );
        assert_eq!(sites.url(9, "a.html", "x", true), None);
    }
}
