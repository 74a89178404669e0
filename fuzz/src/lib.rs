//! What the fuzz targets share: the checks every reader's output must pass,
//! an index built once per process, and the server's own module.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use quire::{Article, Format, Index, LABEL_SEPARATOR, Splitter};

/// The server's module, compiled here as in the binary (it uses only
/// `super::` and `quire::` paths).
#[path = "../../src/serve/mod.rs"]
#[allow(dead_code)]
pub mod serve;

/// Decodes `bytes` as a file's and splits them as `format` says, then
/// checks what the reader made.
pub fn split(format: Format, bytes: &[u8]) {
    let Ok(decoded) = quire::decode(bytes.to_vec()) else {
        return;
    };
    static SPLITTER: OnceLock<Splitter> = OnceLock::new();
    let splitter = SPLITTER.get_or_init(Splitter::default);
    let article = splitter.split_as(format, &decoded.text, "fuzz");
    check(&article);
}

/// What holds for every article a reader makes.
fn check(article: &Article) {
    let mut anchors = HashSet::new();
    for (i, section) in article.sections.iter().enumerate() {
        assert_eq!(section.ordinal, i as u64, "ordinals count from 0");
        assert!(
            anchors.insert(section.anchor.as_str()),
            "anchor {:?} repeated",
            section.anchor
        );
        if section.path.is_empty() {
            assert_eq!(section.label, article.title);
        } else {
            assert_eq!(section.label, section.path.join(LABEL_SEPARATOR));
        }
        assert!(!section.text.trim().is_empty(), "a section without text");
    }
}

/// An index of the shipped corpus and the test fixtures, built once per
/// process in a folder removed at exit.
pub fn index() -> &'static Index {
    static INDEX: OnceLock<(tempfile::TempDir, Index)> = OnceLock::new();
    let (_, index) = INDEX.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let paths: Vec<_> = [
            "corpus",
            "tests/fixtures/articles",
            "tests/fixtures/formats",
        ]
        .iter()
        .map(|from| root.join(from))
        .collect();
        let dir = tempfile::tempdir().expect("a temporary folder");
        quire::build_index(dir.path(), &paths, &quire::IndexOptions::default())
            .expect("the fixtures index");
        let index = Index::open(dir.path()).expect("the index opens");
        (dir, index)
    });
    index
}

/// Sends `bytes` to the server's routes as one client connection would,
/// through the same head guard and hyper settings as `quire serve`, and
/// returns all the server wrote back.
pub fn exchange(bytes: &[u8]) -> Vec<u8> {
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    struct Served {
        runtime: tokio::runtime::Runtime,
        routes: axum::Router,
        stopped: tokio::sync::watch::Receiver<bool>,
        _stop: tokio::sync::watch::Sender<bool>,
    }
    static SERVED: OnceLock<Served> = OnceLock::new();
    let served = SERVED.get_or_init(|| {
        let index = Index::open(index().dir()).expect("the index opens");
        let options = serve::server::Options {
            addr: ([127, 0, 0, 1], 0).into(),
            cache_entries: 64,
            cache_bytes: 1 << 20,
            sending_bytes: 1 << 20,
            threads: 1,
            allow_origin: None,
            limits: serve::connections::Limits {
                max_connections: 1,
                header_timeout: Duration::from_secs(5),
            },
        };
        let server = serve::server::Server::new(index, &options).expect("the server starts");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        Served {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            routes: serve::server::router(Arc::new(server)),
            stopped,
            _stop: stop,
        }
    });
    served.runtime.block_on(async {
        let (mut client, server_side) = tokio::io::duplex(16 * 1024);
        let connection = tokio::spawn(serve::connections::connection(
            server_side,
            served.routes.clone(),
            Duration::from_secs(5),
            served.stopped.clone(),
        ));
        let (mut reading, mut writing) = tokio::io::split(&mut client);
        let send = async {
            let _ = writing.write_all(bytes).await;
            let _ = writing.shutdown().await;
        };
        let mut answer = Vec::new();
        let receive = reading.read_to_end(&mut answer);
        let (_, _) = tokio::join!(send, receive);
        connection
            .await
            .expect("the connection's task does not panic");
        answer
    })
}

/// Checks what the server wrote back: whole responses, and every error
/// among them JSON with its status.
pub fn check_answers(mut answer: &[u8]) {
    while !answer.is_empty() {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        let len = match response.parse(answer) {
            Ok(httparse::Status::Complete(len)) => len,
            other => panic!(
                "not a whole response ({other:?}): {:?}",
                String::from_utf8_lossy(answer)
            ),
        };
        let status = response.code.expect("a status");
        let header = |name: &str| {
            response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).into_owned())
        };
        let length: usize = header("content-length")
            .map(|l| l.parse().expect("a Content-Length is a number"))
            .unwrap_or(0);
        let rest = &answer[len..];
        // A HEAD request's answer has no body: the next response follows.
        let body = if rest.len() >= length && !rest.starts_with(b"HTTP/1.") {
            &rest[..length]
        } else {
            &rest[..0]
        };
        if status >= 400 {
            assert_eq!(
                header("content-type").as_deref(),
                Some("application/json"),
                "status {status} without JSON"
            );
            assert!(length > 0, "status {status} with an empty body");
            if !body.is_empty() {
                let value: serde_json::Value =
                    serde_json::from_slice(body).expect("an error's body is JSON");
                assert_eq!(value["error"]["status"], status);
            }
        }
        answer = &rest[body.len()..];
    }
}
