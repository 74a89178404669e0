//! What a commit carries besides sections: the search rules (stop words and
//! synonyms) the index was last built with, as the commit's payload (a
//! string tantivy keeps in `meta.json`, in the same atomic write as the
//! commit itself).
//!
//! ```json
//! {"quire_search_rules": 1, "stop_words": {"en": ["a", "..."]}, "synonyms": [["MVD", "microvascular decompression"]]}
//! ```
//!
//! A commit with no payload, or with one quire did not write (a plain
//! tantivy program's), means the built-in rules.

use serde::{Deserialize, Serialize};

use crate::ingest::rules::SearchRules;

/// The version of the payload's layout.
const PAYLOAD_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Payload {
    quire_search_rules: u32,
    #[serde(flatten)]
    rules: SearchRules,
}

/// `rules` as a commit's payload.
pub(crate) fn encode(rules: &SearchRules) -> String {
    let payload = Payload {
        quire_search_rules: PAYLOAD_VERSION,
        rules: rules.clone(),
    };
    serde_json::to_string(&payload).expect("strings and lists always serialize")
}

/// The search rules a commit's payload holds; `None` when it holds none
/// that this quire wrote.
pub(crate) fn decode(payload: Option<&str>) -> Option<SearchRules> {
    let payload: Payload = serde_json::from_str(payload?).ok()?;
    (payload.quire_search_rules == PAYLOAD_VERSION).then_some(payload.rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::rules::Rules;

    #[test]
    fn rules_come_back_as_they_went() {
        let mut rules = Rules::default();
        rules
            .extend_from_str("synonyms = [[\"MVD\", \"microvascular decompression\"]]")
            .unwrap();
        let rules = rules.search_rules();
        assert_eq!(decode(Some(&encode(&rules))), Some(rules));
        assert_eq!(decode(None), None);
        assert_eq!(decode(Some("not json")), None);
        assert_eq!(decode(Some("{\"someone\": \"else\"}")), None);
        let later = encode(&SearchRules::default()).replace(":1,", ":2,");
        assert_eq!(decode(Some(&later)), None);
    }
}
