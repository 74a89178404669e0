//! `quire serve`: the JSON API answers as `quire search --json` does and as
//! docs/openapi.yaml says, user mistakes get JSON 4xx errors (never a 500),
//! new commits are picked up without a restart, and SIGTERM stops it
//! cleanly.

mod util;

use std::time::{Duration, Instant};

use serde_json::Value;
use util::TestEnv;
use util::server::{Server, request};

fn openapi() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.yaml");
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).expect("openapi.yaml parses")
}

/// Checks `value` against a JSON schema of the subset docs/openapi.yaml
/// uses: `$ref`, `type` (one or several), `required`, `properties`,
/// `items`, `const`. Returns the first mismatch.
fn check(spec: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return check(spec, &spec["components"]["schemas"][name], value, at);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let type_ok = |t: &str| match t {
        "string" => value.is_string(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        other => panic!("unknown type {other} in the spec"),
    };
    if !types.is_empty() && !types.iter().any(|t| type_ok(t)) {
        return Err(format!("{at}: {value} is not {types:?}"));
    }
    if let Some(expected) = schema.get("const")
        && expected != value
    {
        return Err(format!("{at}: {value} is not {expected}"));
    }
    if let Some(required) = schema["required"].as_array() {
        for name in required.iter().filter_map(Value::as_str) {
            if value.get(name).is_none() {
                return Err(format!("{at}: {name} is missing"));
            }
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    {
        for (name, field) in object {
            let Some(property) = properties.get(name) else {
                return Err(format!("{at}: {name} is not in the spec"));
            };
            check(spec, property, field, &format!("{at}.{name}"))?;
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(spec, items, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Checks a response against the spec's entry for `GET path`.
fn conforms(spec: &Value, path: &str, response: &util::server::Response) {
    let endpoint = path.split('?').next().unwrap();
    let endpoint = match endpoint.strip_prefix("/articles/") {
        Some(_) => "/articles/{id}",
        None => endpoint,
    };
    let responses = &spec["paths"][endpoint]["get"]["responses"];
    let status = response.status.to_string();
    let documented = &responses[&status];
    let schema = if documented.is_null() {
        // Errors the spec lists for every endpoint (404, 405, 500) share
        // the Error schema.
        assert!(response.status >= 400, "{path}: {status} is not documented");
        serde_json::json!({"$ref": "#/components/schemas/Error"})
    } else {
        documented["content"]["application/json"]["schema"].clone()
    };
    assert!(
        response.content_type.starts_with("application/json"),
        "{response:?}"
    );
    if let Err(e) = check(spec, &schema, &response.json(), path) {
        panic!("{path}: {e}\n{}", response.body);
    }
}

#[test]
fn search_answers_as_the_cli_does_and_as_the_spec_says() {
    let env = TestEnv::indexed();
    let server = Server::start(env.dir.path(), &[]);
    let spec = openapi();

    let response = server.get("/search?q=hemifacial%20spasm");
    assert_eq!(response.status, 200);
    conforms(&spec, "/search", &response);
    let (code, cli) = env.search_json("hemifacial spasm");
    assert_eq!(code, 0);
    assert_eq!(response.json(), cli);
    // The library's serde types read the API's answer back.
    let typed: quire::SearchResults = serde_json::from_str(&response.body).unwrap();
    assert_eq!(typed.hits[0].section.label, "Cause");

    let paged =
        server.get("/search?q=uric+acid&limit=2&offset=1&snippets=1&snippet_chars=60&exact=true");
    conforms(&spec, "/search", &paged);
    let paged = paged.json();
    assert_eq!(paged["offset"], 1);
    assert_eq!(paged["hits"].as_array().unwrap().len(), 2);
    assert_eq!(paged["hits"][0]["rank"], 2);

    let filtered = server
        .get("/search?q=treatment&article=gout.txt&per_article=1")
        .json();
    let hits = filtered["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["article"]["id"], "gout.txt");

    let none = server.get("/search?q=zzzzqqq");
    assert_eq!(none.status, 200);
    conforms(&spec, "/search", &none);
    assert_eq!(none.json()["hits"], Value::Array(vec![]));

    for path in ["/articles", "/health"] {
        let response = server.get(path);
        assert_eq!(response.status, 200, "{response:?}");
        conforms(&spec, path, &response);
    }
    let articles = server.get("/articles").json();
    let ids: Vec<&str> = articles["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["facial-twitching.txt", "gout.txt", "vertigo.txt"]);
    assert_eq!(
        articles["articles"][0]["sections"][4]["label"],
        "Diagnosis › Differential diagnosis"
    );
    assert_eq!(
        (articles["total"].as_u64(), articles["offset"].as_u64()),
        (Some(3), Some(0))
    );
    // A page at a time, in id order.
    let page = server.get("/articles?offset=1&limit=1");
    conforms(&spec, "/articles", &page);
    let page = page.json();
    assert_eq!(page["total"], 3);
    assert_eq!(page["articles"].as_array().unwrap().len(), 1);
    assert_eq!(page["articles"][0]["id"], "gout.txt");
    assert!(page["articles"][0]["sections"][0].get("text").is_none());
    let past = server.get("/articles?offset=10").json();
    assert_eq!(past["articles"], Value::Array(vec![]));
    for bad in [
        "/articles?limit=0",
        "/articles?limit=1001",
        "/articles?offset=-1",
    ] {
        let response = server.get(bad);
        assert_eq!(response.status, 400, "{bad}: {response:?}");
        conforms(&spec, "/articles", &response);
    }
    assert_eq!(server.get("/health").json()["sections"], 20);

    // One article to read: every section's whole text, the query's words
    // marked, the sections it finds flagged.
    let read = server.get("/articles/gout.txt?q=uric+acid");
    assert_eq!(read.status, 200, "{read:?}");
    conforms(&spec, "/articles/gout.txt", &read);
    let typed: quire::ArticleText = serde_json::from_str(&read.body).unwrap();
    assert_eq!(typed.title, "Gout");
    let listed = &articles["articles"][1]["sections"];
    assert_eq!(typed.sections.len(), listed.as_array().unwrap().len());
    let library = quire::Index::open(env.path("index"))
        .unwrap()
        .read(
            "gout.txt",
            &quire::ReadOptions::default().query("uric acid"),
        )
        .unwrap()
        .unwrap();
    for (served, read) in typed.sections.iter().zip(&library.sections) {
        assert_eq!(served.text, read.text);
        assert_eq!(served.highlights, read.highlights);
    }
    let marked: Vec<String> = typed
        .sections
        .iter()
        .flat_map(|s| {
            s.highlights
                .iter()
                .map(|h| s.text[h.start..h.end].to_lowercase())
        })
        .collect();
    assert!(
        !marked.is_empty() && marked.iter().all(|m| m == "uric" || m == "acid"),
        "{marked:?}"
    );
    assert!(typed.matched > 0 && typed.sections.iter().any(|s| !s.matched));
    for s in &typed.sections {
        assert!(!s.text.is_empty() && !s.left_out, "{s:?}");
        let label = s.section.label.to_lowercase();
        assert!(
            !s.matched
                || !s.highlights.is_empty()
                || label.contains("uric")
                || label.contains("acid"),
            "{s:?}"
        );
    }
    // Without a query, nothing is marked.
    let plain = server.get("/articles/facial-twitching.txt").json();
    assert_eq!(plain["matched"], 0);
    assert!(plain.get("query").is_none());
    for (bad, status) in [
        ("/articles/no-such.txt", 404),
        ("/articles/gout.txt?q=-uric", 400),
        ("/articles/gout.txt?exact=maybe", 400),
    ] {
        let response = server.get(bad);
        assert_eq!(response.status, status, "{bad}: {response:?}");
        conforms(&spec, bad, &response);
    }
    let reader = server.get("/read/gout.txt?q=uric");
    assert_eq!(reader.status, 200);
    assert!(reader.content_type.starts_with("text/html"));
    assert!(
        reader.body.contains("\"/articles/\""),
        "the reader uses the API"
    );

    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(
        page.body.contains("fetch(\"/search?"),
        "the page uses the API"
    );
    assert!(
        !page.body.contains("http://") && !page.body.contains("https://"),
        "no CDN"
    );
}

#[test]
fn user_mistakes_are_json_errors_never_500() {
    let env = TestEnv::indexed();
    let server = Server::start(env.dir.path(), &[]);
    let spec = openapi();
    let long = "a".repeat(1001);
    let cases = [
        ("/search", 400, "q parameter"),
        ("/search?q=", 400, "q parameter"),
        ("/search?q=%20%20", 400, "q parameter"),
        (&format!("/search?q={long}"), 400, "longer than 1000"),
        (
            "/search?q=spasm&limit=0",
            400,
            "limit must be between 1 and 100",
        ),
        ("/search?q=spasm&limit=101", 400, "limit must be between"),
        ("/search?q=spasm&limit=ten", 400, "limit"),
        ("/search?q=spasm&offset=-1", 400, "offset"),
        ("/search?q=spasm&exact=maybe", 400, "exact"),
        ("/search?q=spasm&snippets=11", 400, "snippets must be"),
        ("/search?q=%22%22%20-spasm", 400, "words"),
        ("/search?q=%ff%fe", 400, ""),
        ("/nowhere", 404, "no such endpoint"),
    ];
    for (path, status, needle) in cases {
        let response = server.get(path);
        assert_eq!(response.status, status, "{path}: {response:?}");
        conforms(&spec, "/search", &response);
        let message = response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.contains(needle), "{path}: {message}");
        assert_eq!(response.json()["error"]["status"], status);
    }
    let post = request(&server.addr, "POST", "/search?q=spasm");
    assert_eq!(post.status, 405);
    assert_eq!(post.json()["error"]["status"], 405);
}

#[test]
fn requests_hyper_would_refuse_empty_are_answered_in_json() {
    let env = TestEnv::indexed();
    let server = Server::start(env.dir.path(), &[]);
    let host = format!("Host: {}\r\n", server.addr);
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (
            format!(
                "GET /search?q={} HTTP/1.1\r\n{host}\r\n",
                "a".repeat(100_000)
            )
            .into_bytes(),
            414,
            "request line is longer",
        ),
        (
            format!(
                "GET /search?q=spasm HTTP/1.1\r\n{host}{}\r\n",
                "X-A: b\r\n".repeat(200)
            )
            .into_bytes(),
            431,
            "more than 100 headers",
        ),
        (
            format!(
                "GET /search?q=spasm HTTP/1.1\r\n{host}X-Big: {}\r\n\r\n",
                "b".repeat(500_000)
            )
            .into_bytes(),
            431,
            "headers are longer",
        ),
        (b"GARBAGE\r\n\r\n".to_vec(), 400, "malformed"),
        (b"GET / HTTP/3.0\r\n\r\n".to_vec(), 505, "HTTP/1.1"),
        (
            format!("POST /search HTTP/1.1\r\n{host}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .into_bytes(),
            411,
            "Content-Length",
        ),
    ];
    for (bytes, status, needle) in cases {
        let responses = util::server::exchange(&server.addr, &bytes);
        let [response] = &responses[..] else {
            panic!("one answer expected: {responses:?}");
        };
        assert_eq!(response.status, status, "{response:?}");
        assert_eq!(response.content_type, "application/json");
        assert_eq!(response.json()["error"]["status"], status);
        let message = response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.contains(needle), "{message}");
    }
    // Requests sent ahead of a refused one are answered first, in order.
    let pipelined = format!(
        "GET /health HTTP/1.1\r\n{host}\r\nGET /search?q=spasm HTTP/1.1\r\n{host}\r\nGET /{} HTTP/1.1\r\n\r\n",
        "a".repeat(20_000)
    );
    let responses = util::server::exchange(&server.addr, pipelined.as_bytes());
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 414]);
    assert_eq!(
        responses[1].json()["hits"][0]["article"]["id"],
        "facial-twitching.txt"
    );
    // And the server goes on.
    assert_eq!(server.get("/search?q=spasm").status, 200);
}

#[test]
fn new_commits_are_served_without_a_restart() {
    // With the answer cache (the default) and without it: a cached answer
    // from before the commit must not be served after it. Also with a
    // single search thread.
    for args in [
        &[][..],
        &["--cache", "0"][..],
        &["--cache", "0", "--threads", "1"][..],
    ] {
        let env = TestEnv::indexed();
        let server = Server::start(env.dir.path(), args);
        for _ in 0..2 {
            let before = server.get("/search?q=bronchodilator").json();
            assert_eq!(before["hits"], Value::Array(vec![]), "{args:?}");
        }
        env.write(
            "corpus/asthma.txt",
            "Asthma\n\nTreatment\n\nA bronchodilator opens the airways within minutes.\n",
        );
        env.index();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let results = server.get("/search?q=bronchodilator").json();
            if let Some(hit) = results["hits"].get(0) {
                assert_eq!(hit["article"]["title"], "Asthma");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the new article never showed up {args:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(server.get("/health").json()["sections"], 21);
        // Repeated requests get the same answer, cached or not.
        let first = server.get("/search?q=treatment&limit=3").body;
        assert_eq!(server.get("/search?q=treatment&limit=3").body, first);
        assert_ne!(server.get("/search?q=treatment&limit=2").body, first);
    }
}

#[test]
fn a_fresh_checkout_is_indexed_from_corpus_then_served() {
    let env = TestEnv::new();
    let server = Server::start(env.dir.path(), &[]);
    assert_eq!(server.get("/health").json()["sections"], 20);
    let results = server.get("/search?q=hemifacial+spasm").json();
    assert_eq!(results["hits"][0]["section"]["label"], "Cause");
}

#[test]
fn browsers_on_other_sites_may_read_the_api_only_when_allowed() {
    let env = TestEnv::indexed();
    let closed = Server::start(env.dir.path(), &[]);
    let answer = closed.get("/search?q=spasm");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), None);
    drop(closed);

    let open = Server::start(
        env.dir.path(),
        &["--allow-origin", "https://docs.example.org"],
    );
    for path in ["/search?q=spasm", "/search?q=", "/health", "/articles"] {
        let answer = open.get(path);
        assert_eq!(
            answer.header("access-control-allow-origin").as_deref(),
            Some("https://docs.example.org"),
            "{path}: {answer:?}"
        );
    }
    for bad in [
        "docs.example.org",
        "https://docs.example.org/search",
        "ftp://x",
        "",
    ] {
        env.run(&["serve", "--allow-origin", bad])
            .assert_code(2)
            .assert_error("expected an origin");
    }
}

#[test]
fn sigterm_stops_the_server_cleanly_and_bad_setups_fail_in_one_line() {
    let env = TestEnv::indexed();
    let server = Server::start(env.dir.path(), &[]);
    assert_eq!(server.get("/health").status, 200);
    assert_eq!(server.terminate(), 0);

    let empty = TestEnv::empty();
    empty
        .run(&["serve", "--index", "missing"])
        .assert_code(2)
        .assert_error("no index at 'missing'");
    env.run(&["serve", "--addr", "not-an-address"])
        .assert_code(2);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    env.run(&["serve", "--addr", &addr])
        .assert_code(2)
        .assert_error("cannot listen on");
}

/// A connection that has sent part of a request's headers and then waits.
fn half_a_request(addr: &str) -> std::net::TcpStream {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).expect("server accepts");
    write!(stream, "GET /search?q=spasm HTTP/1.1\r\nHost: {addr}\r\n").unwrap();
    stream
}

/// Whether the server closes `stream` within `within`.
fn closed_within(stream: &mut std::net::TcpStream, within: Duration) -> bool {
    use std::io::Read;
    stream.set_read_timeout(Some(within)).unwrap();
    let mut rest = Vec::new();
    // The server may answer 408 before it closes; either way the read ends.
    stream.read_to_end(&mut rest).is_ok()
}

#[test]
fn slow_clients_are_cut_off_and_never_crowd_out_searches() {
    let env = TestEnv::indexed();
    let server = Server::start(
        env.dir.path(),
        &["--header-timeout", "1", "--max-connections", "40"],
    );
    // Clients that send half their headers and wait hold a connection
    // each, for no longer than the header timeout...
    let mut slow: Vec<_> = (0..30).map(|_| half_a_request(&server.addr)).collect();
    // ...and searches go on meanwhile.
    for _ in 0..5 {
        assert_eq!(server.get("/search?q=spasm").status, 200);
    }
    for stream in &mut slow {
        assert!(closed_within(stream, Duration::from_secs(15)));
    }
    // An idle connection is closed too.
    let mut idle = std::net::TcpStream::connect(&server.addr).unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(15)));
    assert_eq!(server.get("/health").status, 200);
}

#[test]
fn past_the_connection_limit_clients_wait_their_turn() {
    let env = TestEnv::indexed();
    let server = Server::start(
        env.dir.path(),
        &["--header-timeout", "2", "--max-connections", "2"],
    );
    let held: Vec<_> = (0..2).map(|_| half_a_request(&server.addr)).collect();
    // Both slots are taken: this request is answered only once the header
    // timeout has freed one, but answered it is.
    let started = Instant::now();
    assert_eq!(server.get("/search?q=spasm").status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    drop(held);
    assert_eq!(server.terminate(), 0);
}

#[test]
fn articles_in_folders_and_with_odd_names_open_in_the_reader() {
    let env = TestEnv::empty();
    env.write(
        "corpus/a folder/Übung #1?.md",
        "# Übung\n\n## Erste Schritte\n\nDie Übung beginnt mit Dehnen.\n",
    );
    env.index();
    let server = Server::start(env.dir.path(), &[]);
    let hits = server.get("/search?q=dehnen").json();
    let id = hits["hits"][0]["article"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(id, "a folder/Übung #1?.md");
    // Each segment of the id percent-encoded, as the search page does.
    let path: Vec<String> = id
        .split('/')
        .map(|segment| {
            segment
                .bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        })
        .collect();
    let read = server.get(&format!("/articles/{}?q=dehnen", path.join("/")));
    assert_eq!(read.status, 200, "{read:?}");
    let read = read.json();
    assert_eq!(read["id"], id);
    let section = &read["sections"][0];
    assert_eq!(section["label"], "Erste Schritte");
    let highlight = &section["highlights"][0];
    let text = section["text"].as_str().unwrap();
    let (start, end) = (
        highlight["start"].as_u64().unwrap() as usize,
        highlight["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], "Dehnen");
}
