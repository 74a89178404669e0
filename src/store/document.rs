//! The section document: what the index holds for one section, written by
//! [`section_document`] and read back by [`StoredSection::read`]. The two
//! halves sit together so that a field added to one is seen in the other;
//! the fields themselves are declared in [`super::schema`].

use std::cell::RefCell;
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};

use frostem::Algorithm;
use rustc_hash::FxHashMap;
use tantivy::schema::{Field, OwnedValue, TantivyDocument};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::store::StoreReader;
use tantivy::tokenizer::{PreTokenizedString, TextAnalyzer, Token, TokenStream};
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED};

use super::open::Store;
use super::schema::Fields;
use super::stamp::Stamp;
use crate::analysis::analyzers::stemmed_in;
use crate::analysis::checkpoints;
use crate::analysis::language;
use crate::analysis::tokens::fold;
use crate::error::Result;
use crate::ingest::article::Section;

/// A section's vector as stored (see [`crate::embed::vector`]), and the
/// key of what was embedded (the model's weights and the text), by which
/// an unchanged section keeps its vector when its file changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredVector {
    pub key: u64,
    pub bytes: Vec<u8>,
}

/// The document of one section of the article titled `title` in the
/// language `lang` (if known), indexed under the article id `id` (whose
/// key is `key`) from the file at `source`, with its file's stamp and its
/// vector, if any. The section is let go once its document is made: the
/// document, queued for tantivy's indexing threads, holds the text then.
#[allow(clippy::too_many_arguments)]
pub(crate) fn section_document(
    f: Fields,
    (id, key): (&str, u64),
    source: &str,
    (title, lang): (&str, Option<&str>),
    section: Section,
    stamp: &Stamp,
    vector: Option<StoredVector>,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    if let Some(vector) = vector.filter(|v| !v.bytes.is_empty()) {
        doc.add_u64(f.vector_key, vector.key);
        doc.add_bytes(f.vector, &vector.bytes);
    }
    doc.add_u64(f.article_key, key);
    doc.add_u64(f.root_key, stamp.root_key);
    doc.add_u64(f.file_size, stamp.size);
    doc.add_u64(f.mtime, stamp.mtime);
    doc.add_u64(f.content_hash, stamp.content_hash);
    doc.add_u64(f.splitter_key, stamp.splitter_key);
    doc.add_text(f.article_id, id);
    doc.add_text(f.source, source);
    doc.add_text(f.title, title);
    for heading in &section.path {
        doc.add_text(f.headings, heading);
    }
    doc.add_text(f.label, &section.label);
    doc.add_text(f.title_key, fold(title));
    doc.add_text(f.label_key, fold(&section.label));
    doc.add_text(f.words, title);
    for heading in &section.path {
        doc.add_text(f.words, heading);
    }
    doc.add_text(f.words, &section.text);
    doc.add_text(f.anchor, &section.anchor);
    doc.add_bool(f.anchor_in_page, section.anchor_in_page);
    doc.add_u64(f.ordinal, section.ordinal);
    if let Some(lang) = lang {
        doc.add_text(f.lang, lang);
    }
    // Heading words come first in `body`: a search that maps the body's
    // token positions to the text (snippets) skips them. In a language of
    // its own, the body, the title and the headings are stemmed here and
    // given to tantivy as tokens.
    let stemmer = lang
        .filter(|l| !language::analysed_as_english(l))
        .and_then(language::stemmer);
    match stemmer {
        Some(algorithm) => with_analyzer(algorithm, |analyzer| {
            let mut add = |field: Field, texts: &[&str]| {
                let mut tokens = Vec::new();
                for text in texts {
                    push_tokens(analyzer, text, &mut tokens);
                }
                let text = String::new();
                doc.add_pre_tokenized_text(field, PreTokenizedString { text, tokens });
            };
            add(f.title_stems, &[title]);
            for heading in &section.path {
                add(f.headings_stems, &[heading]);
            }
            let mut texts: Vec<&str> = section.path.iter().map(String::as_str).collect();
            texts.push(&section.text);
            add(f.body, &texts);
        }),
        None if section.path.is_empty() => doc.add_text(f.body, &section.text),
        None => doc.add_text(
            f.body,
            format!("{}\n\n{}", section.path.join("\n"), section.text),
        ),
    }
    if let Some(checkpoints) = checkpoints::encode(&section.text) {
        doc.add_bytes(f.checkpoints, &checkpoints);
    }
    doc.add_text(f.text, &section.text);
    doc
}

thread_local! {
    /// The analyzers of the languages this thread has indexed sections in,
    /// each with its cache of stems.
    static ANALYZERS: RefCell<FxHashMap<Algorithm, TextAnalyzer>> =
        RefCell::new(FxHashMap::default());
}

/// Runs `f` with this thread's analyzer for text stemmed by `algorithm`.
fn with_analyzer(algorithm: Algorithm, f: impl FnOnce(&mut TextAnalyzer)) {
    ANALYZERS.with_borrow_mut(|analyzers| {
        f(analyzers
            .entry(algorithm)
            .or_insert_with(|| stemmed_in(algorithm)))
    });
}

/// Appends the tokens `analyzer` makes of `text` to `tokens`, numbering
/// positions on from the last one there, as tantivy numbers the values of
/// one field.
fn push_tokens(analyzer: &mut TextAnalyzer, text: &str, tokens: &mut Vec<Token>) {
    let next = tokens.last().map_or(0, |t: &Token| t.position + 1);
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let mut token = stream.token().clone();
        token.position += next;
        tokens.push(token);
    }
}

/// What a section's document stores: its article, the section, its text,
/// and the text's checkpoints (long sections only).
#[derive(Default)]
pub(crate) struct StoredSection {
    /// The article id.
    pub article_id: String,
    /// The article title.
    pub title: String,
    /// The path of the article's file as it was indexed.
    pub source: String,
    /// The section's headings, top first.
    pub path: Vec<String>,
    pub label: String,
    pub anchor: String,
    pub anchor_in_page: bool,
    pub ordinal: u64,
    /// The article's language, if known.
    pub lang: Option<String>,
    pub text: String,
    pub checkpoints: Option<Vec<u8>>,
}

impl StoredSection {
    /// Reads the section stored at `address`.
    ///
    /// Each value is copied once, out of the decompressed block: tantivy's
    /// own document type would copy the text into its compact buffer and
    /// then out again, which was a tenth of a served search's time.
    pub(crate) fn read(
        f: Fields,
        searcher: &Searcher,
        address: DocAddress,
    ) -> tantivy::Result<StoredSection> {
        Ok(StoredSection::from_values(f, searcher.doc(address)?))
    }

    /// Reads the section stored as `doc` of the segment `store` reads:
    /// for reading many sections in order through a store reader of its
    /// own, which leaves the searcher's cache of blocks as it was.
    pub(crate) fn read_from(
        f: Fields,
        store: &StoreReader,
        doc: DocId,
    ) -> tantivy::Result<StoredSection> {
        Ok(StoredSection::from_values(f, store.get(doc)?))
    }

    fn from_values(f: Fields, StoredValues(values): StoredValues) -> StoredSection {
        let mut stored = StoredSection::default();
        // Single values keep the first one stored, as `get_first` would.
        let set = |slot: &mut String, value: String| {
            if slot.is_empty() {
                *slot = value;
            }
        };
        for (field, value) in values {
            match value {
                OwnedValue::Str(value) => match field {
                    _ if field == f.article_id => set(&mut stored.article_id, value),
                    _ if field == f.title => set(&mut stored.title, value),
                    _ if field == f.source => set(&mut stored.source, value),
                    _ if field == f.headings => stored.path.push(value),
                    _ if field == f.label => set(&mut stored.label, value),
                    _ if field == f.anchor => set(&mut stored.anchor, value),
                    _ if field == f.text => set(&mut stored.text, value),
                    _ if field == f.lang => {
                        stored.lang.get_or_insert(value);
                    }
                    _ => {}
                },
                OwnedValue::U64(value) if field == f.ordinal => stored.ordinal = value,
                OwnedValue::Bool(value) if field == f.anchor_in_page => {
                    stored.anchor_in_page = value;
                }
                OwnedValue::Bytes(value) if field == f.checkpoints => {
                    stored.checkpoints.get_or_insert(value);
                }
                _ => {}
            }
        }
        stored
    }
}

/// A stored document as the values it holds, in stored order.
struct StoredValues(Vec<(Field, OwnedValue)>);

impl DocumentDeserialize for StoredValues {
    fn deserialize<'de, D>(mut deserializer: D) -> std::result::Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut values = Vec::with_capacity(deserializer.size_hint());
        while let Some(value) = deserializer.next_field::<OwnedValue>()? {
            values.push(value);
        }
        Ok(StoredValues(values))
    }
}

/// The live sections of the article `id`, in order, with their addresses,
/// read through `stores` (one reader per segment of `searcher`); without
/// their text and checkpoints unless `with_text`.
pub(crate) fn article_sections(
    store: &Store,
    searcher: &Searcher,
    stores: &[StoreReader],
    id: &str,
    with_text: bool,
) -> Result<Vec<(DocAddress, StoredSection)>> {
    let field = store.fields.article_id;
    let term = Term::from_field_text(field, id);
    let mut sections: Vec<(DocAddress, StoredSection)> = Vec::new();
    for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
        let inverted = segment.inverted_index(field).map_err(|e| store.error(e))?;
        let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::Basic)
            .map_err(|e| store.error(e.into()))?
        else {
            continue;
        };
        while postings.doc() != TERMINATED {
            let doc = postings.doc();
            if !segment.is_deleted(doc) {
                let mut stored = StoredSection::read_from(store.fields, &stores[segment_ord], doc)
                    .map_err(|e| store.error(e))?;
                if !with_text {
                    // Let the text go now: an article may be long.
                    stored.text = String::new();
                    stored.checkpoints = None;
                }
                let address = DocAddress::new(segment_ord as u32, doc);
                sections.push((address, stored));
            }
            postings.advance();
        }
    }
    sections.sort_by_key(|(_, s)| s.ordinal);
    Ok(sections)
}

/// Store readers of every segment of `searcher` that keep one block each
/// (for reading many sections in order: they leave the searcher's
/// cache of blocks, meant for hits, as it was).
pub(crate) fn store_readers(store: &Store, searcher: &Searcher) -> Result<Vec<StoreReader>> {
    searcher
        .segment_readers()
        .iter()
        .map(|segment| segment.get_store_reader(1))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| store.error(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::article::Article;
    use crate::store::schema;

    #[test]
    fn what_is_written_is_read_back() {
        let index = tantivy::Index::create_in_ram(schema::build());
        let f = Fields::resolve(&index.schema()).unwrap();
        let text = "Uric acid crystals in a joint. ".repeat(100);
        let article = Article {
            lang: None,
            title: "Gout".into(),
            sections: vec![Section {
                path: vec!["Cause".into(), "Crystals".into()],
                label: "Cause › Crystals".into(),
                anchor: "crystals".into(),
                anchor_in_page: true,
                ordinal: 3,
                text: text.clone(),
            }],
        };
        let stamp = Stamp::default();
        let doc = section_document(
            f,
            ("gout.txt", 7),
            "corpus/gout.txt",
            (&article.title, Some("en")),
            article.sections[0].clone(),
            &stamp,
            Some(StoredVector {
                key: 42,
                bytes: crate::embed::vector::quantise(&[0.6, 0.8]),
            }),
        );
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        writer.add_document(doc).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let stored = StoredSection::read(f, &searcher, DocAddress::new(0, 0)).unwrap();
        assert_eq!(
            (
                stored.article_id.as_str(),
                stored.title.as_str(),
                stored.source.as_str()
            ),
            ("gout.txt", "Gout", "corpus/gout.txt")
        );
        assert_eq!(stored.path, ["Cause", "Crystals"]);
        assert_eq!(
            (
                stored.label.as_str(),
                stored.anchor.as_str(),
                stored.ordinal
            ),
            ("Cause › Crystals", "crystals", 3)
        );
        assert_eq!(stored.text, text);
        assert_eq!(stored.checkpoints, checkpoints::encode(&text));
        assert!(stored.checkpoints.is_some());
        // The vector, read back both ways.
        let vectors =
            crate::store::vectors::SegmentVectors::read(searcher.segment_reader(0), 6).unwrap();
        let query = crate::embed::vector::QueryVector::new(&[0.6, 0.8]);
        let cosine = query.cosine(vectors.get(0).unwrap()).unwrap();
        assert!((cosine - 1.0).abs() < 0.01, "{cosine}");
        let by_key = crate::store::vectors::article_vectors(&searcher, f, 7).unwrap();
        assert_eq!(by_key.keys().collect::<Vec<_>>(), [&42]);
    }
}
