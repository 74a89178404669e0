//! Every section of an index as JSON lines, for engines that scale out
//! (Quickwit, Elasticsearch, OpenSearch): see `docs/scale-out.md`.
//!
//! One line per section, with the index's own field names. Sections come
//! article by article (articles in the order of their keys, a hash of the
//! id), each article's sections in order, so two exports of the same index
//! are byte for byte the same.

use std::io::Write;

use serde::{Deserialize, Serialize};
use tantivy::DocAddress;

use crate::error::{Error, Result};
use crate::store::document::StoredSection;
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
    for (_, _, address) in order {
        let StoredSection {
            article_id,
            title,
            source,
            path,
            label,
            anchor,
            ordinal,
            text,
            ..
        } = StoredSection::read(store.fields, &searcher, address).map_err(|e| store.error(e))?;
        each(ExportedSection {
            id: format!("{article_id}#{anchor}"),
            article_id,
            source,
            title,
            headings: path,
            label,
            anchor,
            ordinal,
            text,
        })?;
    }
    Ok(())
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
