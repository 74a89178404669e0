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
use crate::index::Index;
use crate::schema;

/// One section as exported: the fields quire stores, under their names in
/// the index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// How [`export`] writes sections.
#[derive(Clone, Debug, PartialEq, Eq)]
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

impl Index {
    /// Calls `each` with every section of the index, in export order (see
    /// the [module docs](mod@crate::export)), stopping at its first error.
    pub fn for_each_section(
        &self,
        mut each: impl FnMut(ExportedSection) -> Result<()>,
    ) -> Result<()> {
        let searcher = self.searcher();
        let mut order: Vec<(u64, u64, DocAddress)> = Vec::new();
        for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
            let fast = segment.fast_fields();
            let keys = fast
                .u64(schema::names::ARTICLE_KEY)
                .map_err(|e| Error::from_tantivy(e, self.dir()))?;
            let ordinals = fast
                .u64(schema::names::ORDINAL)
                .map_err(|e| Error::from_tantivy(e, self.dir()))?;
            for doc in segment.doc_ids_alive() {
                order.push((
                    keys.first(doc).unwrap_or(0),
                    ordinals.first(doc).unwrap_or(0),
                    DocAddress::new(segment_ord as u32, doc),
                ));
            }
        }
        order.sort_unstable();
        let f = self.fields;
        for (_, _, address) in order {
            let crate::search::StoredSection {
                article,
                section,
                text,
                ..
            } = crate::search::StoredSection::read(f, &searcher, address)
                .map_err(|e| Error::from_tantivy(e, self.dir()))?;
            each(ExportedSection {
                id: format!("{}#{}", article.id, section.anchor),
                article_id: article.id,
                source: article.source,
                title: article.title,
                headings: section.path,
                label: section.label,
                anchor: section.anchor,
                ordinal: section.ordinal,
                text,
            })?;
        }
        Ok(())
    }
}

/// Writes every section of `index` to `out` in `format`; returns how many
/// sections were written.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use quire::{ExportFormat, ExportedSection, Index, IndexOptions};
///
/// let dir = tempfile::tempdir()?;
/// let article = dir.path().join("gout.txt");
/// std::fs::write(&article, "Gout\n\nTreatment\n\nRest and ice.\n")?;
/// quire::build_index(dir.path().join("index"), &[article], &IndexOptions::default())?;
///
/// let mut out = Vec::new();
/// let index = Index::open(dir.path().join("index"))?;
/// assert_eq!(quire::export(&index, &ExportFormat::Ndjson, &mut out)?, 1);
/// let section: ExportedSection = serde_json::from_slice(&out)?;
/// assert_eq!((section.label.as_str(), section.text.as_str()), ("Treatment", "Rest and ice."));
/// # Ok(()) }
/// ```
pub fn export(index: &Index, format: &ExportFormat, out: &mut impl Write) -> Result<u64> {
    let mut written = 0;
    index.for_each_section(|section| {
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
