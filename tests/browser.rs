//! The search page of `quire serve` in a real headless browser (Debian's
//! `chromium`): it fetches `/search` and renders the hits with their
//! section path as a breadcrumb and the matched words marked, for a `?q=`
//! link and as a user types (keys sent over the DevTools protocol); a hit
//! opens in the reader at its section with the words marked, and the
//! keyboard, the filters, "more results" and the suggestion work as a
//! user would use them, at desktop and at phone width. Screenshots of each
//! step are written under the target folder (`screenshots/`), to look at.
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

/// The texts of the first breadcrumb in `html`: the article title, then
/// each heading.
fn crumbs(html: &str) -> Vec<String> {
    let Some(start) = html.find("<nav class=\"crumbs\"") else {
        return vec![];
    };
    let nav = &html[start..];
    let nav = &nav[..nav.find("</nav>").unwrap_or(nav.len())];
    nav.split("<a ")
        .skip(1)
        .filter_map(|link| {
            let text = &link[link.find('>')? + 1..];
            Some(text[..text.find("</a>")?].to_string())
        })
        .collect()
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
    served_with(|_| {})
}

/// As [`served`], with the corpus made ready by `prepare` first.
fn served_with(prepare: impl FnOnce(&TestEnv)) -> Option<(&'static str, TestEnv, Server)> {
    let Some(browser) = browser() else {
        let missing = "no chromium installed (Debian: apt-get install chromium)";
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("{missing}: under CI the browser tests must run");
        }
        eprintln!("skipped: {missing}");
        return None;
    };
    let env = TestEnv::new();
    prepare(&env);
    env.index();
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
    assert_eq!(
        crumbs(hits[0]),
        ["Facial twitching", "Cause"],
        "{}",
        hits[0]
    );
    // The article and each heading narrow the search to it.
    assert!(
        hits[0].contains("href=\"/?q=hemifacial+spasm&amp;article=facial-twitching.txt\" title=\"Only this article\""),
        "{}",
        hits[0]
    );
    // The label opens the section in the reader, the query with it.
    assert!(
        hits[0].contains("<a class=\"open\" href=\"/read/facial-twitching.txt?q=hemifacial%20spasm#cause\">Cause</a>"),
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
        dom.split("<li class=\"hit\">")
            .any(|hit| crumbs(hit) == ["Facial twitching", "Diagnosis", "Differential diagnosis"]),
        "{dom}"
    );
    assert!(
        dom.contains("<mark>differentiated</mark>") || dom.contains("<mark>Differential</mark>"),
        "{dom}"
    );

    // Nothing found: the page says so.
    let dom = rendered(browser, &format!("{base}?q=qqqzzzxx"));
    assert!(!dom.contains("<li class=\"hit\">"), "{dom}");
    assert!(
        dom.contains("No section matches \u{201c}qqqzzzxx\u{201d}. Try other words, or fewer."),
        "{dom}"
    );
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
    // In the reader too.
    let dom = rendered(browser, &format!("{base}read/markup.txt?q=onerror#tags"));
    assert!(
        dom.contains("&lt;img src=x <mark class=\"current\">onerror</mark>=alert(1)&gt;"),
        "{dom}"
    );
    assert!(!dom.contains("<img") && !dom.contains("<b>"), "{dom}");
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
        match self.try_call(method, params) {
            Ok(result) => result,
            Err(error) => panic!("{method}: {error}"),
        }
    }

    /// As [`DevTools::call`], the protocol's error as an error.
    fn try_call(
        &mut self,
        method: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
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
                if !reply["error"].is_null() {
                    return Err(reply["error"].clone());
                }
                return Ok(reply["result"].clone());
            }
        }
    }

    /// The value of a JavaScript expression in the page (once settled,
    /// if it is a promise); null while the page is between documents.
    fn eval(&mut self, expression: &str) -> serde_json::Value {
        let result = self.try_call(
            "Runtime.evaluate",
            serde_json::json!({
                "expression": expression,
                "returnByValue": true,
                "awaitPromise": true,
            }),
        );
        match result {
            Ok(result) => result["result"]["value"].clone(),
            Err(_) => serde_json::Value::Null,
        }
    }

    /// The text of the JavaScript expression's value.
    fn text(&mut self, expression: &str) -> String {
        match self.eval(expression) {
            serde_json::Value::String(s) => s,
            other => panic!("{expression} is {other}, not text"),
        }
    }

    /// Waits up to 10 s for `expression` to be true.
    fn wait_for(&mut self, expression: &str) {
        let start = std::time::Instant::now();
        while self.eval(expression) != serde_json::Value::Bool(true) {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "still not true after 10 s: {expression}; at {}, page: {}",
                self.eval("location.href"),
                self.eval("document.body.innerHTML")
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Types `text` a key at a time, as a user types: each key is an
    /// input event.
    fn type_text(&mut self, text: &str) {
        for key in text.chars() {
            self.call(
                "Input.insertText",
                serde_json::json!({ "text": key.to_string() }),
            );
        }
    }

    /// Presses and releases `key` (a DOM key name: `ArrowDown`, `Enter`,
    /// `Escape`, `Backspace`, or a character).
    fn press(&mut self, key: &str) {
        let (code, number, text) = match key {
            "ArrowDown" => ("ArrowDown", 40, ""),
            "ArrowUp" => ("ArrowUp", 38, ""),
            "Enter" => ("Enter", 13, "\r"),
            "Escape" => ("Escape", 27, ""),
            "Backspace" => ("Backspace", 8, ""),
            "/" => ("Slash", 191, "/"),
            "n" => ("KeyN", 78, "n"),
            "p" => ("KeyP", 80, "p"),
            other => panic!("no key code for {other}"),
        };
        let mut down = serde_json::json!({
            "type": if text.is_empty() { "rawKeyDown" } else { "keyDown" },
            "key": key, "code": code, "windowsVirtualKeyCode": number,
        });
        if !text.is_empty() {
            down["text"] = text.into();
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            serde_json::json!({ "type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": number }),
        );
    }

    /// Lays the page out `width` CSS pixels wide (a phone's is 390), as a
    /// mobile browser does.
    fn set_width(&mut self, width: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": width, "height": 844, "deviceScaleFactor": 1, "mobile": mobile }),
        );
    }

    /// Saves what the page shows as `screenshots/NAME.png` in the
    /// target folder's scratch space, for a person to look at.
    fn screenshot(&mut self, name: &str) {
        use base64::Engine;
        let shot = self.call(
            "Page.captureScreenshot",
            serde_json::json!({ "format": "png" }),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
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
    assert_eq!(crumbs(first), ["Facial twitching", "Cause"], "{first}");
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
    // A page of that origin without the search page's Content-Security-Policy
    // (which lets it call its own server only).
    let mut page = DevTools::open(browser, &format!("{origin}/health"));
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

#[test]
fn a_hit_opens_in_the_reader_at_its_section_by_keyboard_and_back() {
    let Some((browser, _env, server)) = served() else {
        return;
    };
    let mut page = DevTools::open(browser, &format!("http://{}/", server.addr));
    page.wait_for("document.readyState === 'complete' && document.activeElement.id === 'q'");
    // What a screen reader announces: the box by its label, the count as
    // a status.
    assert_eq!(
        page.text("document.querySelector('label[for=q]').textContent"),
        "Search the articles"
    );
    assert_eq!(
        page.text("document.getElementById('status').getAttribute('role')"),
        "status"
    );

    // The last word being typed matches as a prefix.
    page.type_text("hemif");
    page.wait_for("document.querySelectorAll('#hits li.hit').length === 2");
    let first = page.text("document.querySelector('#hits li.hit').innerHTML");
    assert!(first.contains("<mark>hemifacial</mark>"), "{first}");
    page.screenshot("1-as-you-type");

    // ↓ and ↑ move through the hits; one is selected at a time.
    page.press("ArrowDown");
    assert_eq!(page.text("document.activeElement.textContent"), "Cause");
    page.press("ArrowDown");
    assert_eq!(
        page.text("document.activeElement.textContent"),
        "Introduction"
    );
    page.press("ArrowUp");
    assert_eq!(page.text("document.activeElement.textContent"), "Cause");
    assert_eq!(
        page.eval("document.querySelectorAll('li.hit.selected').length"),
        1
    );
    page.screenshot("2-a-hit-selected");

    // Enter opens the reader at the hit's section, the words marked.
    page.press("Enter");
    page.wait_for(
        "location.pathname === '/read/facial-twitching.txt' && document.querySelectorAll('main mark').length > 0",
    );
    assert_eq!(page.text("location.hash"), "#cause");
    assert_eq!(
        page.text("document.querySelector('section.target').id"),
        "cause"
    );
    assert_eq!(
        page.text("document.querySelector('main h1').textContent"),
        "Facial twitching"
    );
    let marked = page.eval(
        "Array.from(document.querySelectorAll('main mark')).map(m => m.textContent.toLowerCase())",
    );
    let marked: Vec<&str> = marked
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(marked.iter().all(|m| *m == "hemifacial"), "{marked:?}");
    // The current match is the section's first, and the section is in
    // view, below the bar.
    assert_eq!(
        page.eval("document.querySelector('section.target').contains(document.querySelector('mark.current'))"),
        true
    );
    assert_eq!(
        page.eval("(() => { const top = document.getElementById('cause').getBoundingClientRect().top; return window.scrollY > 0 && top >= 0 && top < 150; })()"),
        true
    );
    let at = page
        .eval("marks.indexOf(document.querySelector('mark.current'))")
        .as_u64()
        .unwrap();
    let count = page.text("document.getElementById('count').textContent");
    assert_eq!(
        count,
        format!("Match {} of {} in 2 sections", at + 1, marked.len())
    );
    page.screenshot("3-reader-at-the-section");

    // n and p go to the next match and back.
    page.press("n");
    assert_eq!(
        page.eval("marks.indexOf(document.querySelector('mark.current'))"),
        at + 1
    );
    assert!(
        page.text("document.getElementById('count').textContent")
            .starts_with(&format!("Match {} of", at + 2))
    );
    page.press("p");
    assert_eq!(
        page.eval("marks.indexOf(document.querySelector('mark.current'))"),
        at
    );

    // Escape goes back to the results as they were.
    page.press("Escape");
    page.wait_for(
        "location.pathname === '/' && document.querySelectorAll('#hits li.hit').length === 2",
    );
    assert_eq!(page.text("document.getElementById('q').value"), "hemif");

    // `/` focuses the box (and types nothing); Escape clears it.
    page.eval("document.activeElement.blur()");
    page.press("/");
    assert_eq!(page.text("document.activeElement.id"), "q");
    assert_eq!(page.text("document.getElementById('q').value"), "hemif");
    page.press("Escape");
    page.wait_for("document.querySelectorAll('#hits li.hit').length === 0");
    assert_eq!(page.text("document.getElementById('q').value"), "");
}

#[test]
fn answers_that_come_late_never_replace_newer_ones() {
    let Some((browser, _env, server)) = served() else {
        return;
    };
    let mut page = DevTools::open(browser, &format!("http://{}/", server.addr));
    page.wait_for("document.readyState === 'complete' && document.activeElement.id === 'q'");
    // The answer for "gout" is held back a second, and not cancelled:
    // it arrives after the answer for the query typed after it.
    page.eval(
        "window.realFetch = window.fetch; window.fetch = (url, options) => url.includes('q=gout&') \
         ? new Promise(r => setTimeout(r, 1000)).then(() => window.realFetch(url)) \
         : window.realFetch(url, options); true",
    );
    page.type_text("gout");
    page.eval("new Promise(r => setTimeout(() => r(true), 400))");
    page.eval("document.getElementById('q').select()");
    page.type_text("vertigo");
    page.wait_for("document.querySelectorAll('#hits li.hit').length > 0");
    // Well after the late answer came.
    page.eval("new Promise(r => setTimeout(() => r(true), 1500))");
    let titles = page.eval(
        "Array.from(document.querySelectorAll('#hits .crumbs .article')).map(a => a.textContent)",
    );
    let titles: Vec<&str> = titles
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        !titles.is_empty() && titles.iter().all(|t| t.to_lowercase().contains("vertigo")),
        "{titles:?}"
    );
}

/// Waits for the page to show the results of `query`.
fn wait_for_results(page: &mut DevTools, query: &str) {
    page.wait_for(&format!(
        "document.getElementById('hits').dataset.query === {query:?} && document.getElementById('hits').getAttribute('aria-busy') === 'false'"
    ));
}

/// Looks at the results of the page: the titles of the hits' articles.
fn hit_titles(page: &mut DevTools) -> Vec<String> {
    let titles = page.eval(
        "Array.from(document.querySelectorAll('#hits .crumbs .article')).map(a => a.textContent)",
    );
    titles
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn more_results_filters_and_suggestions_on_the_page() {
    // An article of many sections: more than a page of hits.
    let Some((browser, _env, server)) = served_with(|env| {
        let mut many = String::from("# Home remedies\n\n");
        for i in 1..=14 {
            many += &format!("## Remedy {i}\n\nA remedy to try at home, number {i}.\n\n");
        }
        env.write("corpus/remedies.md", many);
    }) else {
        return;
    };
    let base = format!("http://{}", server.addr);
    let mut page = DevTools::open(browser, &format!("{base}/?q=remedy"));
    page.wait_for("document.querySelectorAll('#hits li.hit').length === 10");
    let total = page.eval("fetch('/search?q=remedy').then(r => r.json()).then(j => j.total_hits)");
    let total = total.as_u64().unwrap();
    assert!(total > 10, "{total}");
    assert_eq!(
        page.text("document.getElementById('status').textContent"),
        format!("Showing 10 of {total} sections")
    );
    page.screenshot("4-a-page-of-many");
    page.eval("document.getElementById('more').click()");
    page.wait_for(&format!(
        "document.querySelectorAll('#hits li.hit').length === {}",
        total.min(20)
    ));
    if total <= 20 {
        assert_eq!(page.eval("document.getElementById('more').hidden"), true);
        assert_eq!(
            page.text("document.getElementById('status').textContent"),
            format!("{total} sections")
        );
    }
    // The hits after the first page are the API's second page, in order.
    let second = page.eval("fetch('/search?q=remedy&offset=10').then(r => r.json()).then(j => j.hits.map(h => h.section.label))");
    let shown = page.eval(
        "Array.from(document.querySelectorAll('#hits a.open')).slice(10).map(a => a.textContent)",
    );
    assert_eq!(shown, second);

    // The article's name in a hit's path narrows the search to it; the
    // filter shows, and goes.
    page.eval("document.getElementById('q').select()");
    page.type_text("treatment");
    wait_for_results(&mut page, "treatment");
    let titles = hit_titles(&mut page);
    let mut articles = titles.clone();
    articles.sort();
    articles.dedup();
    assert!(articles.len() >= 2, "{titles:?}");
    let last = titles.last().unwrap().clone();
    page.eval("Array.from(document.querySelectorAll('#hits .crumbs a.article')).pop().click()");
    page.wait_for("location.search.includes('article=')");
    page.wait_for(&format!(
        "Array.from(document.querySelectorAll('#hits .crumbs .article')).every(a => a.textContent === {last:?})"
    ));
    assert_eq!(
        page.text("document.querySelector('#filters .chip').firstChild.textContent"),
        format!("In {last}")
    );
    page.screenshot("5-one-article");
    // Nothing there: the page says so, and offers every article.
    page.eval("document.getElementById('q').select()");
    page.type_text("zqxjvw");
    wait_for_results(&mut page, "zqxjvw");
    assert!(
        page.text("document.getElementById('status').textContent")
            .contains("here. Search every article.")
    );
    page.eval("document.getElementById('q').select()");
    page.type_text("treatment");
    wait_for_results(&mut page, "treatment");
    page.eval("document.querySelector('#filters .chip button').click()");
    page.wait_for("!location.search.includes('article=') && document.querySelectorAll('#hits li.hit').length > 2");
    // Back returns to the article's results.
    page.eval("history.back()");
    page.wait_for("location.search.includes('article=')");

    // One section per article: each article once, the rest counted.
    page.eval("document.querySelector('#filters .chip button').click()");
    page.wait_for("!location.search.includes('article=')");
    page.eval("const s = document.getElementById('per-article'); s.value = '1'; s.dispatchEvent(new Event('change')); true");
    page.wait_for("location.search.includes('per_article=1')");
    page.wait_for("document.querySelectorAll('#hits .more-here').length > 0");
    let titles = hit_titles(&mut page);
    let mut once = titles.clone();
    once.dedup();
    assert_eq!(once.len(), titles.len(), "{titles:?}");

    // A word no section has, even with typos: the suggestion is a link.
    page.eval("const s = document.getElementById('per-article'); s.value = ''; s.dispatchEvent(new Event('change')); true");
    page.eval("document.getElementById('q').select()");
    page.type_text("nrve");
    wait_for_results(&mut page, "nrve");
    assert_eq!(
        page.text("document.getElementById('status').textContent"),
        "No section matches \u{201c}nrve\u{201d}. Did you mean nerve?"
    );
    page.screenshot("6-did-you-mean");
    page.eval("document.querySelector('#status a.suggestion').click()");
    wait_for_results(&mut page, "nerve");
    assert_eq!(page.text("document.getElementById('q').value"), "nerve");

    // At a phone's width: the results and the reader fit it.
    page.set_width(390, true);
    page.call(
        "Page.navigate",
        serde_json::json!({ "url": format!("{base}/?q=facial%20nerve") }),
    );
    page.wait_for("location.search === '?q=facial+nerve' && document.querySelectorAll('#hits li.hit').length > 0");
    assert_eq!(
        page.eval("document.documentElement.scrollWidth <= window.innerWidth"),
        true
    );
    page.screenshot("7-phone-results");
    page.eval("document.querySelector('#hits a.open').click()");
    page.wait_for("location.pathname.startsWith('/read/') && document.querySelectorAll('main mark').length > 0");
    assert_eq!(
        page.eval("document.documentElement.scrollWidth <= window.innerWidth"),
        true
    );
    page.screenshot("8-phone-reader");
}
