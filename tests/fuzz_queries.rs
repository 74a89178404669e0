//! Generated queries through the whole search path: parsing, analysis,
//! typo and prefix expansion, filters, paging and snippets. Nothing may
//! panic; the only error allowed is a one-line "nothing to search for";
//! every result must be well formed.
//!
//! `QUIRE_FUZZ_QUERIES` sets how many queries to run (default 3,000; run
//! `QUIRE_FUZZ_QUERIES=100000 cargo test --release --test fuzz_queries`
//! for a long run);
//! `QUIRE_FUZZ_SEED` the generator's seed.

mod util;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use util::TestEnv;

/// What parts words in the generated sections: every kind of white space,
/// the two-byte and three-byte ones included.
const SEPARATORS: &[&str] = &[
    " ",
    "\u{a0}",
    "\u{2003}",
    "\u{3000}",
    "\n",
    "\t",
    " — ",
    "│\u{a0}\u{a0}├── ",
    ". ",
];

const WORDS: &[&str] = &[
    "spasm",
    "hemifacial",
    "facial",
    "nerve",
    "Jannetta",
    "Janetta",
    "electromyografy",
    "electromyography",
    "gout",
    "uric",
    "acid",
    "vertigo",
    "tinnitus",
    "the",
    "of",
    "not",
    "contagious",
    "sleeping",
    "anti-AchR",
    "2/3",
    "REZ",
    "Ménière",
    "colchicine",
    "attack",
    "treatment",
    "diagnosis",
    "x",
    "a",
    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
];

const PIECES: &[&str] = &[
    "\"",
    "-",
    "+",
    "*",
    "**",
    ":",
    "(",
    ")",
    "((",
    "AND",
    "OR",
    "NOT",
    "~",
    "~2",
    "^",
    "^2",
    "title:",
    "section:",
    "body:",
    "heading:",
    "foo:",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "/",
    "!",
    "?",
    "&&",
    "||",
    "'",
    "`",
    "é",
    "面肌痉挛",
    "🙂",
    "\u{301}",
    "\u{200b}",
    "\u{202e}",
    "\u{0}",
    "\u{1}",
    "\u{7f}",
    "\t",
    "\n",
    "  ",
    "TO",
    "*:*",
    "..",
    "-\"",
    "\"*",
    "title:\"",
    "-*",
];

fn query(rng: &mut StdRng) -> String {
    let mut q = String::new();
    for _ in 0..rng.random_range(0..7) {
        match rng.random_range(0..4) {
            0 | 1 => q.push_str(WORDS.choose(rng).expect("not empty")),
            2 => q.push_str(PIECES.choose(rng).expect("not empty")),
            _ => {
                // A piece glued to a word, as people type them.
                q.push_str(PIECES.choose(rng).expect("not empty"));
                q.push_str(WORDS.choose(rng).expect("not empty"));
                q.push_str(PIECES.choose(rng).expect("not empty"));
            }
        }
        if rng.random_range(0..3) > 0 {
            q.push(' ');
        }
    }
    q
}

fn options(rng: &mut StdRng) -> quire::SearchOptions {
    let maybe = |rng: &mut StdRng, items: &[&str]| {
        (rng.random_range(0..4) == 0).then(|| items.choose(rng).expect("not empty").to_string())
    };
    let mut options = quire::SearchOptions::default()
        .limit(1 + rng.random_range(0..30))
        .offset(rng.random_range(0..25))
        .snippet_chars(1 + rng.random_range(0..300))
        .snippets(1 + rng.random_range(0..4))
        .exact(rng.random_range(0..5) == 0);
    options.article = maybe(rng, &["gout.txt", "Facial twitching", "", "nope", "é"]);
    options.section = maybe(
        rng,
        &["Diagnosis", "examine > medical", "", ">", "›", "\u{10ffff}"],
    );
    options.per_article = (rng.random_range(0..4) == 0).then(|| 1 + rng.random_range(0..3));
    options
}

#[test]
fn generated_queries_never_panic_and_give_well_formed_results() {
    let count: usize = std::env::var("QUIRE_FUZZ_QUERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3_000);
    let seed: u64 = std::env::var("QUIRE_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x5eed_cafe);
    let env = TestEnv::new();
    let mut rng = StdRng::seed_from_u64(seed);
    // Long and medium sections whose words are parted by every kind of
    // white space, wide ones included: snippets cut stretches out of them.
    for (name, words) in [("unicode-long", 8_000), ("unicode-medium", 600)] {
        let mut text = format!("Unicode {name}\n\nSpaces\n\n");
        for _ in 0..words {
            text.push_str(WORDS.choose(&mut rng).expect("not empty"));
            text.push_str(SEPARATORS.choose(&mut rng).expect("not empty"));
        }
        env.write(&format!("corpus/{name}.txt"), text);
    }
    env.index();
    let index = quire::Index::open(env.path("index")).unwrap();
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..count {
        let q = query(&mut rng);
        let options = options(&mut rng);
        let searched =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| index.search(&q, &options)));
        let Ok(searched) = searched else {
            panic!("query {q:?} with {options:?} panicked");
        };
        match searched {
            Ok(results) => {
                ok += 1;
                check(&q, &options, &results);
            }
            Err(quire::Error::Query(message)) => {
                refused += 1;
                assert!(!message.contains('\n'), "{q:?}: {message}");
            }
            Err(other) => panic!("query {q:?} with {options:?}: {other}"),
        }
    }
    eprintln!("{count} generated queries: {ok} answered, {refused} refused as empty");
    assert!(ok > count / 2, "most generated queries have words");
}

fn check(q: &str, options: &quire::SearchOptions, results: &quire::SearchResults) {
    assert!(results.hits.len() <= options.limit, "{q:?}");
    assert!(results.total_hits as usize >= results.hits.len(), "{q:?}");
    for (i, hit) in results.hits.iter().enumerate() {
        assert_eq!(hit.rank, options.offset + i + 1, "{q:?}");
        assert!(
            !hit.snippets.is_empty() && hit.snippets.len() <= options.snippets,
            "{q:?}"
        );
        for snippet in &hit.snippets {
            let text = &snippet.text;
            assert!(
                text.chars().count() <= options.snippet_chars + 2 + 40,
                "{q:?}: {text}"
            );
            for h in &snippet.highlights {
                assert!(
                    h.start < h.end && h.end <= text.len(),
                    "{q:?}: {h:?} in {text}"
                );
                assert!(text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
                let by_chars: String = text
                    .chars()
                    .skip(h.char_start)
                    .take(h.char_end - h.char_start)
                    .collect();
                assert_eq!(by_chars, text[h.start..h.end], "{q:?}");
            }
        }
    }
}
