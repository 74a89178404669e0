//! The search page of `quire serve` in a real headless browser (Debian's
//! `chromium`): it fetches `/search` and renders the hits with their
//! section path as a breadcrumb and the matched words marked, for a `?q=`
//! link and as a user types (keys sent over the DevTools protocol).
//! On a developer's machine without Chromium the tests are skipped with a
//! message; under CI (`CI` set, as `.ci/run` runs) a missing browser fails
//! them, so that they never pass without having run. `.ci/run` installs it.

mod util;

use std::process::Command;

use util::TestEnv;
use util::server::Server;

fn browser() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// The page's DOM once its scripts and requests have run.
fn rendered(browser: &str, url: &str) -> String {
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ])
        .output()
        .expect("the browser runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// A browser, and a server on the shipped corpus; `None` (and a message
/// saying the test is skipped) when no browser is installed, outside CI.
fn served() -> Option<(&'static str, TestEnv, Server)> {
    let Some(browser) = browser() else {
        let missing = "no chromium installed (Debian: apt-get install chromium)";
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("{missing}: under CI the browser tests must run");
        }
        eprintln!("skipped: {missing}");
        return None;
    };
    let env = TestEnv::indexed();
    let server = Server::start(env.dir.path(), &[]);
    Some((browser, env, server))
}

#[test]
fn the_search_page_renders_hits_in_a_browser() {
    let Some((browser, env, server)) = served() else {
        return;
    };
    let base = format!("http://{}/", server.addr);

    let dom = rendered(browser, &format!("{base}?q=hemifacial%20spasm"));
    let hits = dom.split("<li class=\"hit\">").skip(1).collect::<Vec<_>>();
    assert_eq!(hits.len(), 2, "{dom}");
    assert!(
        hits[0].contains(
            "<nav class=\"crumbs\" aria-label=\"section path\"><span class=\"article\">Facial twitching</span><span>Cause</span></nav>"
        ),
        "{}",
        hits[0]
    );
    assert!(
        hits[0].contains("<mark>hemifacial</mark> <mark>spasm</mark>"),
        "{}",
        hits[0]
    );
    assert!(dom.contains("2 sections"), "{dom}");

    // A nested section's whole path, and a typo'd word found and marked.
    let dom = rendered(browser, &format!("{base}?q=diferential%20diagnosis"));
    assert!(
        dom.contains("<span class=\"article\">Facial twitching</span><span>Diagnosis</span><span>Differential diagnosis</span>"),
        "{dom}"
    );
    assert!(
        dom.contains("<mark>differentiated</mark>") || dom.contains("<mark>Differential</mark>"),
        "{dom}"
    );

    // Nothing found: the page says so.
    let dom = rendered(browser, &format!("{base}?q=qqqzzzxx"));
    assert!(!dom.contains("<li class=\"hit\">"), "{dom}");
    assert!(dom.contains("No section matches."), "{dom}");
    // A bad query: the API's message, not a broken page.
    let dom = rendered(browser, &format!("{base}?q=-spasm"));
    assert!(dom.contains("only excludes words"), "{dom}");

    // Text from the index is shown as text, never parsed as HTML.
    env.write(
        "corpus/markup.txt",
        "Markup\n\nTags\n\nThe <b>bold</b> tag and <img src=x onerror=alert(1)> image.\n",
    );
    env.index();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let dom = rendered(browser, &format!("{base}?q=onerror%20image"));
    assert!(
        dom.contains("&lt;img src=x <mark>onerror</mark>=alert(1)&gt;"),
        "{dom}"
    );
    assert!(!dom.contains("<img"), "{dom}");
}

/// A page in headless Chromium driven over the DevTools protocol, on the
/// browser's own WebSocket (one session, flattened).
struct DevTools {
    browser: std::process::Child,
    socket: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
    session: String,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl DevTools {
    /// Starts the browser and opens `url` in a new page.
    fn open(browser: &str, url: &str) -> DevTools {
        use std::io::BufRead;
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the browser starts");
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID";
        // the rest of the browser's chatter is read too, so that it never
        // blocks on a full pipe.
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let (found, endpoint) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if let Some((_, ws)) = line.split_once("DevTools listening on ") {
                    let _ = found.send(ws.trim().to_string());
                }
            }
        });
        let endpoint = endpoint
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the browser says where DevTools listens within 30 s");
        let (socket, _) = tungstenite::connect(endpoint).expect("DevTools accepts");
        // A browser that stops answering fails the test instead of hanging it.
        if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(20)))
                .unwrap();
        }
        let mut tools = DevTools {
            browser: child,
            socket,
            session: String::new(),
            next_id: 0,
            _profile: profile,
        };
        let target = tools.call("Target.createTarget", serde_json::json!({ "url": url }));
        let target = target["targetId"].as_str().unwrap().to_string();
        let attached = tools.call(
            "Target.attachToTarget",
            serde_json::json!({ "targetId": target, "flatten": true }),
        );
        tools.session = attached["sessionId"].as_str().unwrap().to_string();
        tools
    }

    /// Sends a command (to the page, once attached) and waits for its
    /// result, passing over events.
    fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = serde_json::json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            message["sessionId"] = self.session.clone().into();
        }
        self.socket
            .send(tungstenite::Message::text(message.to_string()))
            .unwrap();
        loop {
            let reply = self.socket.read().expect("DevTools answers");
            let Ok(text) = reply.to_text() else { continue };
            let reply: serde_json::Value = serde_json::from_str(text).unwrap();
            if reply["id"] == id {
                assert!(reply["error"].is_null(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page (once settled,
    /// if it is a promise).
    fn eval(&mut self, expression: &str) -> serde_json::Value {
        let result = self.call(
            "Runtime.evaluate",
            serde_json::json!({
                "expression": expression,
                "returnByValue": true,
                "awaitPromise": true,
            }),
        );
        result["result"]["value"].clone()
    }

    /// Waits up to 10 s for `expression` to be true.
    fn wait_for(&mut self, expression: &str) {
        let start = std::time::Instant::now();
        while self.eval(expression) != serde_json::Value::Bool(true) {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "still not true after 10 s: {expression}; page: {}",
                self.eval("document.body.innerHTML")
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for DevTools {
    fn drop(&mut self) {
        let _ = self.browser.kill();
        let _ = self.browser.wait();
    }
}

#[test]
fn the_search_page_answers_as_the_user_types() {
    let Some((browser, _env, server)) = served() else {
        return;
    };
    let mut page = DevTools::open(browser, &format!("http://{}/", server.addr));
    page.wait_for("document.readyState === 'complete' && document.activeElement.id === 'q'");

    // Typed a key at a time, as a user types: each key is an input event,
    // and the page searches once the typing pauses.
    for key in "hemifacial spasm".chars() {
        page.call(
            "Input.insertText",
            serde_json::json!({ "text": key.to_string() }),
        );
    }
    page.wait_for("document.querySelectorAll('#hits li.hit').length === 2");
    let first = page.eval("document.querySelector('#hits li.hit').innerHTML");
    let first = first.as_str().unwrap();
    assert!(
        first.contains("<span class=\"article\">Facial twitching</span><span>Cause</span>"),
        "{first}"
    );
    assert!(
        first.contains("<mark>hemifacial</mark> <mark>spasm</mark>"),
        "{first}"
    );
    assert_eq!(
        page.eval("document.getElementById('status').textContent"),
        "2 sections"
    );
    // The address follows the query, so the page can be shared.
    assert_eq!(page.eval("location.search"), "?q=hemifacial+spasm");

    // A word no section has is named, and each hit says what it lacks.
    page.eval("document.getElementById('q').select()");
    page.call(
        "Input.insertText",
        serde_json::json!({ "text": "facial twitching zqxjv" }),
    );
    page.wait_for("document.querySelectorAll('#hits li.hit .missing').length > 0");
    let status = page.eval("document.getElementById('status').textContent");
    assert!(
        status
            .as_str()
            .unwrap()
            .ends_with("No section has \u{201c}zqxjv\u{201d}"),
        "{status}"
    );
    assert_eq!(
        page.eval("document.querySelector('#hits li.hit .missing').textContent"),
        "Missing: zqxjv"
    );

    // Emptying the box empties the results.
    page.eval("document.getElementById('q').select()");
    page.call("Input.dispatchKeyEvent", serde_json::json!({ "type": "keyDown", "key": "Backspace", "code": "Backspace", "windowsVirtualKeyCode": 8 }));
    page.wait_for("document.querySelectorAll('#hits li.hit').length === 0");
    assert_eq!(page.eval("location.search"), "");
}

#[test]
fn pages_of_other_sites_read_the_api_only_when_allowed() {
    let Some((browser, env, home)) = served() else {
        return;
    };
    // Another port is another origin: the page below is "another site".
    let origin = format!("http://{}", home.addr);
    let allowed = Server::start(env.dir.path(), &["--allow-origin", &origin]);
    let closed = Server::start(env.dir.path(), &[]);
    let mut page = DevTools::open(browser, &format!("{origin}/"));
    page.wait_for("document.readyState === 'complete'");
    let fetch = |addr: &str| {
        format!(
            "fetch('http://{addr}/search?q=hemifacial+spasm')\
             .then(r => r.json()).then(j => 'hits: ' + j.hits.length, e => 'refused: ' + e.name)"
        )
    };
    // Headless Chromium fails a page's first cross-origin fetch now and
    // then, whatever the answer (the server's header is right every time):
    // a few tries until it works...
    let mut allowed_answer = serde_json::Value::Null;
    for _ in 0..5 {
        allowed_answer = page.eval(&fetch(&allowed.addr));
        if allowed_answer == "hits: 2" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(allowed_answer, "hits: 2");
    // ...then the server without --allow-origin is refused, and the one
    // with it is still answered: the refusal is the header's doing.
    assert_eq!(page.eval(&fetch(&closed.addr)), "refused: TypeError");
    assert_eq!(page.eval(&fetch(&allowed.addr)), "hits: 2");
}
