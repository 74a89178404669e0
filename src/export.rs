//! Every section of an index as JSON lines, for engines that scale out
//! (Quickwit, Elasticsearch, OpenSearch): see `docs/scale-out.md`.
//!
//! One line per section, with the index's own field names. Sections come
//! article by article (articles in the order of their keys, a hash of the
//! id), each article's sections in order, so two exports of the same index
//! are byte for byte the same.

use std::collections::BTreeSet;
use std::io::Write;

use serde::{Deserialize, Serialize};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, TERMINATED};

use crate::error::{Error, Result};
use crate::search::links::{SitesCache, Target};
use crate::search::results::SectionRef;
use crate::store::document::{StoredSection, article_sections, store_readers};
use crate::store::open::Store;
use crate::store::schema::names;

/// One section as exported: the fields quire stores, under their names in
/// the index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExportedSection {
    /// `article_id#anchor`: unique in the index, a document id for the
    /// engine the sections go to.
    pub id: String,
    /// The article id: its path relative to the indexed folder.
    pub article_id: String,
    /// The path of the article's file as it was indexed.
    pub source: String,
    /// The article title.
    pub title: String,
    /// The section's headings from the top level down.
    pub headings: Vec<String>,
    /// The headings joined with `" › "`.
    pub label: String,
    /// The anchor slug, unique within the article.
    pub anchor: String,
    /// Whether the page has `anchor` as an `id` (or `name`); when not, the
    /// anchor is a slug quire made and `url` links by the heading's words.
    /// An export written before this field reads as `false`: not known.
    #[serde(default)]
    pub anchor_in_page: bool,
    /// The link to the section on its site, when its folder was indexed
    /// with `--base-url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The section's position in the article, from 0.
    pub ordinal: u64,
    /// The section's text.
    pub text: String,
}

/// How [`export`](crate::export()) writes sections.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportFormat {
    /// One JSON object per line (Quickwit's `ingest`, `jq`, any NDJSON
    /// reader).
    Ndjson,
    /// Elasticsearch / OpenSearch `_bulk` body: an `index` action naming
    /// this index and the section's id, then the section, per section.
    EsBulk {
        /// The Elasticsearch index the sections go to.
        index: String,
    },
}

/// Calls `each` with every section in `store`, in export order (see the
/// module docs), stopping at its first error.
pub(crate) fn for_each_section(
    store: &Store,
    mut each: impl FnMut(ExportedSection) -> Result<()>,
) -> Result<()> {
    let searcher = store.searcher();
    let mut order: Vec<(u64, u64, DocAddress)> = Vec::new();
    for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
        let fast = segment.fast_fields();
        let keys = fast.u64(names::ARTICLE_KEY).map_err(|e| store.error(e))?;
        let ordinals = fast.u64(names::ORDINAL).map_err(|e| store.error(e))?;
        for doc in segment.doc_ids_alive() {
            order.push((
                keys.first(doc).unwrap_or(0),
                ordinals.first(doc).unwrap_or(0),
                DocAddress::new(segment_ord as u32, doc),
            ));
        }
    }
    order.sort_unstable();
    let sites = SitesCache::default()
        .get(store, searcher.generation().generation_id())
        .map_err(|e| store.error(e))?;
    for (_, _, address) in order {
        let stored =
            StoredSection::read(store.fields, &searcher, address).map_err(|e| store.error(e))?;
        let url = sites
            .url_at(&searcher, address, &Target::of(&stored))
            .map_err(|e| store.error(e))?;
        let StoredSection {
            article_id,
            title,
            source,
            path,
            label,
            anchor,
            anchor_in_page,
            ordinal,
            text,
            ..
        } = stored;
        each(ExportedSection {
            id: format!("{article_id}#{anchor}"),
            article_id,
            source,
            title,
            headings: path,
            label,
            anchor,
            anchor_in_page,
            url,
            ordinal,
            text,
        })?;
    }
    Ok(())
}

/// One page of the index's articles, by article id (see
/// [`Index::articles`](crate::Index::articles)).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticlePage {
    /// How many articles the index holds.
    pub total: usize,
    /// How many articles come before the first one here.
    pub offset: usize,
    /// The articles of the page, by id.
    pub articles: Vec<ListedArticle>,
}

/// An article of an [`ArticlePage`], with its sections in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListedArticle {
    /// The article id: its path relative to the indexed folder.
    pub id: String,
    /// The article title.
    pub title: String,
    /// The path of the article's file as it was indexed.
    pub source: String,
    /// Its sections, in order.
    pub sections: Vec<SectionRef>,
}

/// The articles `offset..offset + limit` of `store` in id order.
///
/// The ids come from the `article_id` field's term dictionaries, which
/// hold them sorted, so only the page's own sections are read: a page
/// costs the articles it shows, whatever the size of the index (plus one
/// id per article, to count them and find where the page starts).
pub(crate) fn article_page(store: &Store, offset: usize, limit: usize) -> Result<ArticlePage> {
    let searcher = store.searcher();
    let field = store.fields.article_id;
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field).map_err(|e| store.error(e))?;
        let mut terms = inverted
            .terms()
            .stream()
            .map_err(|e| store.error(e.into()))?;
        while terms.advance() {
            let Ok(id) = std::str::from_utf8(terms.key()) else {
                continue;
            };
            // A deleted article's id stays in the dictionary until its
            // segment is merged: keep only ids with a live section.
            let mut postings = inverted
                .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
                .map_err(|e| store.error(e.into()))?;
            let alive = loop {
                let doc = postings.doc();
                if doc == TERMINATED {
                    break false;
                }
                if !segment.is_deleted(doc) {
                    break true;
                }
                postings.advance();
            };
            if alive && !ids.contains(id) {
                ids.insert(id.to_string());
            }
        }
    }
    let total = ids.len();
    let mut articles = Vec::new();
    // Stored sections are read through readers of their own that keep one
    // block: a page reads every section of a thousand articles, which
    // would otherwise fill the searcher's cache of blocks, meant for hits,
    // with blocks nobody searches (hundreds of MB on linux-doc).
    let stores = store_readers(store, &searcher)?;
    for id in ids.into_iter().skip(offset).take(limit) {
        // Only the labels are listed.
        let sections = article_sections(store, &searcher, &stores, &id, false)?;
        let Some((_, first)) = sections.first() else {
            continue;
        };
        articles.push(ListedArticle {
            id: id.clone(),
            title: first.title.clone(),
            source: first.source.clone(),
            sections: sections
                .into_iter()
                .map(|(_, s)| SectionRef {
                    path: s.path,
                    label: s.label,
                    anchor: s.anchor,
                    anchor_in_page: s.anchor_in_page,
                    ordinal: s.ordinal,
                })
                .collect(),
        });
    }
    Ok(ArticlePage {
        total,
        offset,
        articles,
    })
}

/// Writes every section in `store` to `out` in `format` (see
/// `quire::export`); returns how many sections were written.
pub(crate) fn write(store: &Store, format: &ExportFormat, out: &mut impl Write) -> Result<u64> {
    let mut written = 0;
    for_each_section(store, |section| {
        if let ExportFormat::EsBulk { index } = format {
            let action = serde_json::json!({"index": {"_index": index, "_id": section.id}});
            write_line(out, &action)?;
        }
        write_line(out, &section)?;
        written += 1;
        Ok(())
    })?;
    Ok(written)
}

fn write_line(out: &mut impl Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(|e| Error::Write(e.into()))?;
    out.write_all(b"\n").map_err(Error::Write)
}

#[cfg(test)]
mod tests {
    use crate::{Index, IndexOptions, build_index};

    #[test]
    fn pages_list_live_articles_by_id_and_read_only_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        for name in ["c", "a", "b", "d"] {
            let text = format!("{name}\n\nFirst\n\nOne.\n\nSecond\n\nTwo.\n");
            std::fs::write(corpus.join(format!("{name}.txt")), text).unwrap();
        }
        let index_dir = dir.path().join("index");
        let paths = [corpus.clone()];
        build_index(&index_dir, &paths, &IndexOptions::default()).unwrap();
        // A removed article's id stays in the term dictionary until a
        // merge: it must not be listed or counted.
        std::fs::remove_file(corpus.join("b.txt")).unwrap();
        build_index(&index_dir, &paths, &IndexOptions::default()).unwrap();
        let index = Index::open(&index_dir).unwrap();
        let ids = |offset, limit| {
            let page = index.articles(offset, limit).unwrap();
            assert_eq!(page.total, 3);
            page.articles.into_iter().map(|a| a.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(0, 10), ["a.txt", "c.txt", "d.txt"]);
        assert_eq!(ids(1, 1), ["c.txt"]);
        assert!(ids(3, 10).is_empty());
        let page = index.articles(0, 1).unwrap();
        let labels: Vec<&str> = page.articles[0]
            .sections
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        assert_eq!(labels, ["First", "Second"]);
    }
}
