//! What a commit carries besides sections: the search rules (stop words and
//! synonyms) the index was last built with, the model that embedded its
//! sections, if any, and the URLs its folders are published at, as the commit's payload (a string tantivy keeps in
//! `meta.json`, in the same atomic write as the commit itself).
//!
//! ```json
//! {"quire_search_rules": 1, "stop_words": {"en": ["a", "..."]}, "synonyms": [["MVD", "microvascular decompression"]],
//!  "model": {"name": "all-MiniLM-L6-v2", "dimensions": 384, "weights": "5f2c...", "path": "/models/all-MiniLM-L6-v2"},
//!  "sites": [{"folder": "/srv/docs", "root_key": 1234, "url": "https://example.org/docs/"}]}
//! ```
//!
//! A commit with no payload, or with one quire did not write (a plain
//! tantivy program's), means the built-in rules and no model.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::directory::Directory;
use tantivy::error::DataCorruption;

use crate::embed::identity::ModelIdentity;
use crate::ingest::rules::SearchRules;

/// The version of the payload's layout.
const PAYLOAD_VERSION: u32 = 1;

#[derive(Serialize)]
struct Payload {
    quire_search_rules: u32,
    #[serde(flatten)]
    committed: Committed,
}

/// What a commit says of the index besides its sections.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Committed {
    #[serde(flatten)]
    pub rules: SearchRules,
    /// The model that embedded the sections; none when they have no
    /// vectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelIdentity>,
    /// The base URL of each folder indexed with one (`quire index
    /// --base-url`), by folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Site>,
}

/// A folder published at a URL: its articles are at the URL followed by
/// their ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Site {
    /// The folder, as the index's articles remember it.
    pub folder: String,
    /// The hash of the folder's path, as each section's `root_key` holds
    /// it.
    pub root_key: u64,
    /// The URL, ending with `/`.
    pub url: String,
    /// What the folder's article ids start with beyond their path in the
    /// folder (its name and `/` when several folders were indexed): left
    /// out of links.
    #[serde(default)]
    pub id_prefix: String,
}

/// `committed` as a commit's payload.
pub(crate) fn encode(committed: &Committed) -> String {
    let payload = Payload {
        quire_search_rules: PAYLOAD_VERSION,
        committed: committed.clone(),
    };
    serde_json::to_string(&payload).expect("strings and lists always serialize")
}

/// The payload of the last commit in `directory`, read from `meta.json`
/// without the rest of it: tantivy's `load_metas` builds the schema and
/// the segments too, a tenth of the instructions of a whole `quire
/// search` on the shipped corpus (callgrind: 315,000 of 3.3 million).
pub(crate) fn read(directory: &dyn Directory) -> tantivy::Result<Option<String>> {
    /// The one member of `meta.json` wanted; serde skips the others.
    #[derive(Deserialize)]
    struct Meta {
        #[serde(default)]
        payload: Option<String>,
    }
    let path = Path::new("meta.json");
    let bytes = directory.atomic_read(path)?;
    let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| {
        DataCorruption::new(path.to_path_buf(), format!("meta.json cannot be read: {e}"))
    })?;
    Ok(meta.payload)
}

/// What a commit's payload holds; `None` when it holds nothing this quire
/// wrote.
pub(crate) fn decode(payload: Option<&str>) -> Option<Committed> {
    let read: Read = serde_json::from_str(payload?).ok()?;
    (read.quire_search_rules == PAYLOAD_VERSION).then_some(Committed {
        rules: SearchRules {
            stop_words: read.stop_words,
            synonyms: read.synonyms,
        },
        model: read.model,
        sites: read.sites,
    })
}

/// [`Payload`] as it is read: its members spelled out, so that serde reads
/// them in one pass (`flatten` first gathers the whole payload in a tree
/// of its own, twice the instructions).
#[derive(Deserialize)]
struct Read {
    quire_search_rules: u32,
    stop_words: BTreeMap<String, Vec<String>>,
    synonyms: Vec<Vec<String>>,
    #[serde(default)]
    model: Option<ModelIdentity>,
    #[serde(default)]
    sites: Vec<Site>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::rules::Rules;

    #[test]
    fn the_payload_is_read_as_tantivy_reads_it() {
        let mut schema = tantivy::schema::Schema::builder();
        schema.add_text_field("body", tantivy::schema::TEXT);
        let index = tantivy::Index::create_in_ram(schema.build());
        // A new index: a meta.json with no payload.
        assert_eq!(read(index.directory()).unwrap(), None);
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        let mut commit = writer.prepare_commit().unwrap();
        commit.set_payload("{\"quire_search_rules\": 1, \"x\": \"\\u00e9\"}");
        commit.commit().unwrap();
        let payload = read(index.directory()).unwrap();
        assert_eq!(payload, index.load_metas().unwrap().payload);
        assert_eq!(
            payload.as_deref(),
            Some("{\"quire_search_rules\": 1, \"x\": \"\\u00e9\"}")
        );
    }

    #[test]
    fn rules_come_back_as_they_went() {
        let mut rules = Rules::default();
        rules
            .extend_from_str("synonyms = [[\"MVD\", \"microvascular decompression\"]]")
            .unwrap();
        let committed = Committed {
            rules: rules.search_rules(),
            model: None,
            sites: vec![Site {
                folder: "/srv/docs".into(),
                root_key: 7,
                url: "https://example.org/docs/".into(),
                id_prefix: "docs/".into(),
            }],
        };
        assert_eq!(decode(Some(&encode(&committed))), Some(committed.clone()));
        let with_model = Committed {
            model: Some(ModelIdentity {
                name: "m".into(),
                dimensions: 384,
                weights: "00ff".into(),
                path: "/models/m".into(),
            }),
            ..committed
        };
        assert_eq!(decode(Some(&encode(&with_model))), Some(with_model));
        assert_eq!(decode(None), None);
        assert_eq!(decode(Some("not json")), None);
        assert_eq!(decode(Some("{\"someone\": \"else\"}")), None);
        let later = encode(&Committed::default()).replace(":1,", ":2,");
        assert_eq!(decode(Some(&later)), None);
    }
}
