//! The search page of `quire serve` in a real headless browser (Debian's
//! `chromium`): it fetches `/search` and renders the hits with their
//! section path as a breadcrumb and the matched words marked. Skipped, with
//! a message, when no Chromium is installed; `.ci/run` installs it.

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

#[test]
fn the_search_page_renders_hits_in_a_browser() {
    let Some(browser) = browser() else {
        eprintln!("skipped: no chromium installed (Debian: apt-get install chromium)");
        return;
    };
    let env = TestEnv::new();
    env.index();
    let server = Server::start(env.dir.path(), &[]);
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
