//! Another app can read a quire index with tantivy alone: no quire code, no
//! tokenizer registration (the fields use the built-in `en_stem`).

mod util;

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{TantivyDocument, Value};
use util::TestEnv;

#[test]
fn plain_tantivy_opens_and_queries_the_index() {
    let env = TestEnv::indexed();

    let index = tantivy::Index::open_in_dir(env.path("index")).unwrap();
    let schema = index.schema();
    let field = |name| schema.get_field(name).unwrap();
    let (title, headings, body, label, article_id) = (
        field("title"),
        field("headings"),
        field("body"),
        field("label"),
        field("article_id"),
    );
    let reader = index.reader().unwrap();
    let searcher = reader.searcher();
    assert_eq!(searcher.num_docs(), 20);

    let parser = QueryParser::for_index(&index, vec![title, headings, body]);
    let found = |query: &str| -> Vec<(String, String)> {
        let query = parser.parse_query(query).unwrap();
        let top = searcher
            .search(&query, &TopDocs::with_limit(3).order_by_score())
            .unwrap();
        top.into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).unwrap();
                let get = |f| doc.get_first(f).unwrap().as_str().unwrap().to_string();
                (get(article_id), get(label))
            })
            .collect()
    };
    assert_eq!(
        found("electromyography")[0],
        (
            "facial-twitching.txt".to_string(),
            "Examine › Medical examination".to_string()
        )
    );
    // Stemming works without registering anything: "decompressions".
    assert_eq!(found("decompressions")[0].1, "Cause");
    // The headings field is searchable on its own.
    let in_headings = found("headings:inspection");
    assert_eq!(in_headings.len(), 2);
    assert!(
        in_headings
            .iter()
            .all(|(_, l)| l == "Examine › Related inspection")
    );
}
