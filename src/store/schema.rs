//! The index schema: the one place where fields and their analyzers are
//! declared, and where an opened index is checked against them.
//!
//! Every text field uses tantivy's built-in `en_stem` analyzer, so a plain
//! tantivy program opens *and queries* a quire index without registering
//! anything (the body of an article in another language holds that
//! language's stems, given to tantivy as pre-tokenized text, as do
//! `title_stems` and `headings_stems`). README.md ("Index format")
//! documents the fields for such
//! programs; change both together, and bump [`FORMAT_VERSION`].

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis::analyzers::{ANALYZER, WORDS_ANALYZER};

/// The version of the on-disk layout (schema and analyzers) this build
/// reads and writes. An index with another version must be rebuilt.
pub const FORMAT_VERSION: u32 = 11;

/// The name of the file, inside the index folder, that holds the format
/// version.
pub const FORMAT_FILE: &str = "quire-format";

/// Field names, as a plain tantivy program sees them.
pub mod names {
    /// Article id: the file's path relative to the folder it was indexed from.
    pub const ARTICLE_ID: &str = "article_id";
    /// The path of the article's file as it was given to `quire index`.
    pub const SOURCE: &str = "source";
    /// The article title.
    pub const TITLE: &str = "title";
    /// The section's headings, one value per level, top first.
    pub const HEADINGS: &str = "headings";
    /// The headings joined with " › " (or the title for text before the
    /// first heading).
    pub const LABEL: &str = "label";
    /// The section's anchor slug, unique within its article.
    pub const ANCHOR: &str = "anchor";
    /// Whether the anchor is an `id` (or `name`) the page itself has, so
    /// that `page#anchor` lands on the section; false for a slug quire
    /// made.
    pub const ANCHOR_IN_PAGE: &str = "anchor_in_page";
    /// The section's position in its article, from 0.
    pub const ORDINAL: &str = "ordinal";
    /// The article's language, an ISO 639-1 code (`de`), as it says or as
    /// detected; absent when neither told. What `--lang` matches.
    pub const LANG: &str = "lang";
    /// What body words are searched in: the section's headings, then its
    /// text (indexed, not stored). Headings count here as ordinary words
    /// of the section, as SQLite FTS5 counts all columns of a row in one
    /// BM25 score; the `headings` field adds a smaller bonus on top.
    /// Stemmed in the article's language (`en_stem`'s terms for English,
    /// and for languages with no stemmer).
    pub const BODY: &str = "body";
    /// For an article in a language with a stemmer of its own (German,
    /// French, Russian, ...): its title's stems in that language (indexed,
    /// not stored; empty for English). `title` holds `en_stem`'s terms for
    /// every article.
    pub const TITLE_STEMS: &str = "title_stems";
    /// Likewise the stems of the section's headings, one value per level.
    pub const HEADINGS_STEMS: &str = "headings_stems";
    /// The section's text as written (stored, not indexed): what snippets
    /// are cut from.
    pub const TEXT: &str = "text";
    /// For sections longer than 2 KiB: the byte offset in `text` of every
    /// 32nd token (little-endian u32s), so that snippets can go straight
    /// to the words the index found instead of reading the whole text.
    pub const CHECKPOINTS: &str = "checkpoints";
    /// The article title, lower-cased with white space folded, as one
    /// term: what `--article TITLE` matches.
    pub const TITLE_KEY: &str = "title_key";
    /// The label, lower-cased with white space folded, as one term: what
    /// `--section PREFIX` matches the start of.
    pub const LABEL_KEY: &str = "label_key";
    /// Every word of the title, headings and text, lower-cased but not
    /// stemmed: the real words that typos and prefixes are matched against.
    pub const WORDS: &str = "words";
    /// A 64-bit hash of the article id: the key quire deletes by.
    pub const ARTICLE_KEY: &str = "article_key";
    /// A 64-bit hash of the folder the article was indexed from.
    pub const ROOT_KEY: &str = "root_key";
    /// The article file's size in bytes when it was indexed.
    pub const FILE_SIZE: &str = "file_size";
    /// The article file's modification time, in nanoseconds since 1970.
    pub const MTIME: &str = "mtime_ns";
    /// A 64-bit hash (XXH3) of the article file's bytes.
    pub const CONTENT_HASH: &str = "content_hash";
    /// A 64-bit hash of the splitting rules the article was split with
    /// (and of the model its sections were embedded with).
    pub const SPLITTER_KEY: &str = "splitter_key";
    /// With a model (`quire index --model`): the section's unit vector, as
    /// a little-endian f32 scale then one signed byte per dimension (value
    /// = byte × scale). The model is named in the commit's payload.
    pub const VECTOR: &str = "vector";
    /// A 64-bit hash of the model's weights and of the text embedded.
    pub const VECTOR_KEY: &str = "vector_key";
}

/// The schema's fields, looked up once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    pub article_id: Field,
    pub source: Field,
    pub title: Field,
    pub headings: Field,
    pub label: Field,
    pub anchor: Field,
    pub anchor_in_page: Field,
    pub ordinal: Field,
    pub lang: Field,
    pub body: Field,
    pub title_stems: Field,
    pub headings_stems: Field,
    pub text: Field,
    pub checkpoints: Field,
    pub title_key: Field,
    pub label_key: Field,
    pub words: Field,
    pub article_key: Field,
    pub root_key: Field,
    pub file_size: Field,
    pub mtime: Field,
    pub content_hash: Field,
    pub splitter_key: Field,
    pub vector: Field,
    pub vector_key: Field,
}

/// Builds the schema of a new index.
pub(crate) fn build() -> Schema {
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let mut builder = Schema::builder();
    builder.add_text_field(names::ARTICLE_ID, STRING | STORED);
    builder.add_text_field(names::SOURCE, STRING | STORED);
    builder.add_text_field(names::TITLE, text.clone());
    builder.add_text_field(names::HEADINGS, text.clone());
    builder.add_text_field(names::LABEL, STRING | STORED);
    builder.add_text_field(names::ANCHOR, STRING | STORED);
    builder.add_bool_field(names::ANCHOR_IN_PAGE, STORED);
    builder.add_u64_field(names::ORDINAL, INDEXED | STORED | FAST);
    builder.add_text_field(names::LANG, STRING | STORED);
    let unstored = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    builder.add_text_field(names::BODY, unstored.clone());
    builder.add_text_field(names::TITLE_STEMS, unstored.clone());
    builder.add_text_field(names::HEADINGS_STEMS, unstored);
    builder.add_text_field(names::TEXT, STORED);
    builder.add_bytes_field(names::CHECKPOINTS, STORED);
    builder.add_text_field(names::TITLE_KEY, STRING);
    builder.add_text_field(names::LABEL_KEY, STRING);
    builder.add_text_field(
        names::WORDS,
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS_ANALYZER)
                .set_index_option(IndexRecordOption::Basic),
        ),
    );
    builder.add_u64_field(names::ARTICLE_KEY, INDEXED | FAST);
    for name in [
        names::ROOT_KEY,
        names::FILE_SIZE,
        names::MTIME,
        names::CONTENT_HASH,
        names::SPLITTER_KEY,
        names::VECTOR_KEY,
    ] {
        builder.add_u64_field(name, FAST);
    }
    builder.add_bytes_field(names::VECTOR, FAST);
    builder.build()
}

impl Fields {
    /// Looks the fields up in `schema`, and checks that they are what this
    /// build writes. `None` when the schema is not quire's.
    pub(crate) fn resolve(schema: &Schema) -> Option<Fields> {
        let expected = build();
        for (_, entry) in expected.fields() {
            let field = schema.get_field(entry.name()).ok()?;
            if schema.get_field_entry(field) != entry {
                return None;
            }
        }
        let get = |name| schema.get_field(name).ok();
        Some(Fields {
            article_id: get(names::ARTICLE_ID)?,
            source: get(names::SOURCE)?,
            title: get(names::TITLE)?,
            headings: get(names::HEADINGS)?,
            label: get(names::LABEL)?,
            anchor: get(names::ANCHOR)?,
            anchor_in_page: get(names::ANCHOR_IN_PAGE)?,
            ordinal: get(names::ORDINAL)?,
            lang: get(names::LANG)?,
            body: get(names::BODY)?,
            title_stems: get(names::TITLE_STEMS)?,
            headings_stems: get(names::HEADINGS_STEMS)?,
            text: get(names::TEXT)?,
            checkpoints: get(names::CHECKPOINTS)?,
            title_key: get(names::TITLE_KEY)?,
            label_key: get(names::LABEL_KEY)?,
            words: get(names::WORDS)?,
            article_key: get(names::ARTICLE_KEY)?,
            root_key: get(names::ROOT_KEY)?,
            file_size: get(names::FILE_SIZE)?,
            mtime: get(names::MTIME)?,
            content_hash: get(names::CONTENT_HASH)?,
            splitter_key: get(names::SPLITTER_KEY)?,
            vector: get(names::VECTOR)?,
            vector_key: get(names::VECTOR_KEY)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_schema_resolves() {
        assert!(Fields::resolve(&build()).is_some());
    }

    #[test]
    fn foreign_schema_does_not_resolve() {
        let mut builder = Schema::builder();
        builder.add_text_field("body", tantivy::schema::TEXT);
        assert!(Fields::resolve(&builder.build()).is_none());
    }
}
