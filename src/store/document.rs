//! The section document: what the index holds for one section, written by
//! [`section_document`] and read back by [`StoredSection::read`]. The two
//! halves sit together so that a field added to one is seen in the other;
//! the fields themselves are declared in [`super::schema`].

use std::cell::RefCell;
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};

use frostem::Algorithm;
use rustc_hash::FxHashMap;
use std::sync::Arc;
use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf, Value};
use tantivy::schema::{Document, Field, OwnedValue};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::store::StoreReader;
use tantivy::tokenizer::{PreTokenizedString, TextAnalyzer, Token, TokenStream};
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED};

use super::open::Store;
use super::pool::BudgetGuard;
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

/// What the documents of one article's sections share, held once for all
/// of them.
pub(crate) struct ArticleValues {
    pub id: String,
    pub key: u64,
    /// The path of the article's file as given to `quire index`.
    pub source: String,
    pub title: String,
    /// [`fold`]`(title)`: what `--article` matches.
    pub title_key: String,
    /// The article's language, if known.
    pub lang: Option<String>,
    pub stamp: Stamp,
    /// The title's stems, in a language with a stemmer of its own.
    title_stems: Option<PreTokenizedString>,
    /// The share of the writer's queue the sections' text takes, given
    /// back when the last of them is indexed and dropped.
    _queued: Option<BudgetGuard>,
}

impl ArticleValues {
    /// The values of the article titled `title` in the language `lang` (if
    /// known), indexed under the article id `id` (whose key is `key`) from
    /// the file at `source`, with its file's stamp and its share of the
    /// writer's queue.
    pub(crate) fn new(
        (id, key): (&str, u64),
        source: &str,
        (title, lang): (&str, Option<&str>),
        stamp: &Stamp,
        queued: Option<BudgetGuard>,
    ) -> ArticleValues {
        let title_stems =
            own_stemmer(lang).map(|algorithm| with_analyzer(algorithm, |a| stems(a, &[title])));
        ArticleValues {
            id: id.to_string(),
            key,
            source: source.to_string(),
            title: title.to_string(),
            title_key: fold(title),
            lang: lang.map(str::to_string),
            stamp: *stamp,
            title_stems,
            _queued: queued,
        }
    }
}

/// The stemmer of an article in the language `lang`, when it has one of
/// its own (not English's, which tantivy's `en_stem` applies).
fn own_stemmer(lang: Option<&str>) -> Option<Algorithm> {
    lang.filter(|l| !language::analysed_as_english(l))
        .and_then(language::stemmer)
}

/// The stems of `texts` through `analyzer`, as tokens for tantivy.
fn stems(analyzer: &mut TextAnalyzer, texts: &[&str]) -> PreTokenizedString {
    let mut tokens = Vec::new();
    for text in texts {
        push_tokens(analyzer, text, &mut tokens);
    }
    PreTokenizedString {
        text: String::new(),
        tokens,
    }
}

/// The document of one section, as queued for tantivy's indexing threads:
/// every value is lent from it when a thread indexes and stores it, and
/// the section's text is held once, where tantivy's own document would
/// copy it into `body`, `words` and `text` (the queue holds thousands of
/// documents).
pub(crate) struct SectionDocument(Box<SectionValues>);

/// What a [`SectionDocument`] holds, boxed: tantivy's queue sets aside a
/// slot of four documents' size for each of its 10,000 batches.
struct SectionValues {
    f: Fields,
    article: Arc<ArticleValues>,
    path: Vec<String>,
    label: String,
    label_key: String,
    anchor: String,
    anchor_in_page: bool,
    ordinal: u64,
    /// The `body` of a section analysed in English: its headings, one a
    /// line, a blank line, then its text, from `text_start`. The text
    /// alone when the section has no headings or stems of its own.
    body: String,
    text_start: usize,
    /// The stems of the headings and of the body, in a language with a
    /// stemmer of its own.
    stems: Option<(Vec<PreTokenizedString>, PreTokenizedString)>,
    checkpoints: Option<Vec<u8>>,
    vector: Option<StoredVector>,
}

/// The document of `section` of `article`, with its vector, if any. The
/// section is let go once its document is made.
pub(crate) fn section_document(
    f: Fields,
    article: &Arc<ArticleValues>,
    section: Section,
    vector: Option<StoredVector>,
) -> SectionDocument {
    let Section {
        path,
        label,
        anchor,
        anchor_in_page,
        ordinal,
        text,
    } = section;
    // Heading words come first in `body`: a search that maps the body's
    // token positions to the text (snippets) skips them. In a language of
    // its own, the body and the headings are stemmed here and given to
    // tantivy as tokens.
    let stems = own_stemmer(article.lang.as_deref()).map(|algorithm| {
        with_analyzer(algorithm, |analyzer| {
            let headings = path.iter().map(|h| stems(analyzer, &[h])).collect();
            let mut texts: Vec<&str> = path.iter().map(String::as_str).collect();
            texts.push(&text);
            (headings, stems(analyzer, &texts))
        })
    });
    let checkpoints = checkpoints::encode(&text);
    let (body, text_start) = if stems.is_some() || path.is_empty() {
        (text, 0)
    } else {
        let headings = path.join("\n");
        let mut body = String::with_capacity(headings.len() + 2 + text.len());
        body.push_str(&headings);
        body.push_str("\n\n");
        body.push_str(&text);
        (body, headings.len() + 2)
    };
    SectionDocument(Box::new(SectionValues {
        f,
        article: Arc::clone(article),
        label_key: fold(&label),
        path,
        label,
        anchor,
        anchor_in_page,
        ordinal,
        body,
        text_start,
        stems,
        checkpoints,
        vector: vector.filter(|v| !v.bytes.is_empty()),
    }))
}

/// A value of a [`SectionDocument`], lent to tantivy.
#[derive(Clone, Debug)]
pub(crate) enum SectionValue<'a> {
    Str(&'a str),
    U64(u64),
    Bool(bool),
    Bytes(&'a [u8]),
    Tokens(&'a PreTokenizedString),
}

impl<'a> Value<'a> for SectionValue<'a> {
    type ArrayIter = std::iter::Empty<SectionValue<'a>>;
    type ObjectIter = std::iter::Empty<(&'a str, SectionValue<'a>)>;

    fn as_value(&self) -> ReferenceValue<'a, Self> {
        ReferenceValue::Leaf(match *self {
            SectionValue::Str(text) => ReferenceValueLeaf::Str(text),
            SectionValue::U64(n) => ReferenceValueLeaf::U64(n),
            SectionValue::Bool(b) => ReferenceValueLeaf::Bool(b),
            SectionValue::Bytes(bytes) => ReferenceValueLeaf::Bytes(bytes),
            SectionValue::Tokens(tokens) => ReferenceValueLeaf::PreTokStr(Box::new(tokens.clone())),
        })
    }
}

impl Document for SectionDocument {
    type Value<'a> = SectionValue<'a>;
    type FieldsValuesIter<'a> = std::vec::IntoIter<(Field, SectionValue<'a>)>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        use SectionValue::{Bool, Bytes, Str, Tokens, U64};
        let doc = &*self.0;
        let f = doc.f;
        let a = &*doc.article;
        let text = &doc.body[doc.text_start..];
        let mut values = Vec::with_capacity(24 + 3 * doc.path.len());
        if let Some(vector) = &doc.vector {
            values.push((f.vector_key, U64(vector.key)));
            values.push((f.vector, Bytes(&vector.bytes)));
        }
        values.extend([
            (f.article_key, U64(a.key)),
            (f.root_key, U64(a.stamp.root_key)),
            (f.file_size, U64(a.stamp.size)),
            (f.mtime, U64(a.stamp.mtime)),
            (f.content_hash, U64(a.stamp.content_hash)),
            (f.splitter_key, U64(a.stamp.splitter_key)),
            (f.article_id, Str(&a.id)),
            (f.source, Str(&a.source)),
            (f.title, Str(&a.title)),
        ]);
        values.extend(doc.path.iter().map(|h| (f.headings, Str(h))));
        values.extend([
            (f.label, Str(&doc.label)),
            (f.title_key, Str(&a.title_key)),
            (f.label_key, Str(&doc.label_key)),
            (f.words, Str(&a.title)),
        ]);
        values.extend(doc.path.iter().map(|h| (f.words, Str(h))));
        values.extend([
            (f.words, Str(text)),
            (f.anchor, Str(&doc.anchor)),
            (f.anchor_in_page, Bool(doc.anchor_in_page)),
            (f.ordinal, U64(doc.ordinal)),
        ]);
        if let Some(lang) = &a.lang {
            values.push((f.lang, Str(lang)));
        }
        match (&doc.stems, &a.title_stems) {
            (Some((headings, body)), title) => {
                if let Some(title) = title {
                    values.push((f.title_stems, Tokens(title)));
                }
                values.extend(headings.iter().map(|h| (f.headings_stems, Tokens(h))));
                values.push((f.body, Tokens(body)));
            }
            (None, _) => values.push((f.body, Str(&doc.body))),
        }
        if let Some(checkpoints) = &doc.checkpoints {
            values.push((f.checkpoints, Bytes(checkpoints)));
        }
        values.push((f.text, Str(text)));
        values.into_iter()
    }
}

thread_local! {
    /// The analyzers of the languages this thread has indexed sections in,
    /// each with its cache of stems.
    static ANALYZERS: RefCell<FxHashMap<Algorithm, TextAnalyzer>> =
        RefCell::new(FxHashMap::default());
}

/// Runs `f` with this thread's analyzer for text stemmed by `algorithm`.
fn with_analyzer<T>(algorithm: Algorithm, f: impl FnOnce(&mut TextAnalyzer) -> T) -> T {
    ANALYZERS.with_borrow_mut(|analyzers| {
        f(analyzers
            .entry(algorithm)
            .or_insert_with(|| stemmed_in(algorithm)))
    })
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
        let values = Arc::new(ArticleValues::new(
            ("gout.txt", 7),
            "corpus/gout.txt",
            (&article.title, Some("en")),
            &stamp,
            None,
        ));
        let doc = section_document(
            f,
            &values,
            article.sections[0].clone(),
            Some(StoredVector {
                key: 42,
                bytes: crate::embed::vector::quantise(&[0.6, 0.8]),
            }),
        );
        let mut writer: tantivy::IndexWriter<SectionDocument> = index.writer(15_000_000).unwrap();
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
