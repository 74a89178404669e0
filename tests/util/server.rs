//! A `quire serve` process for tests, and a minimal HTTP/1.1 client (the
//! tests need GET and one POST; no client library is worth it).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `quire serve`, stopped when dropped.
pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Server {
    /// Starts `quire serve --addr 127.0.0.1:0` in `dir` and waits until it
    /// listens.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("quire serve starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        // It may say first that it builds the index.
        let mut said = String::new();
        let addr = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("quire serve ended before listening: {said}");
            }
            said.push_str(&line);
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
        });
        Server { child, addr }
    }

    pub fn get(&self, path: &str) -> Response {
        request(&self.addr, "GET", path)
    }

    /// Sends SIGTERM and waits for the exit code.
    pub fn terminate(mut self) -> i32 {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        status.code().expect("exited, not killed")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub head: String,
    pub body: String,
}

impl Response {
    /// The value of the header `name`, if the response has it.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (n, value) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

/// One request on its own connection.
pub fn request(addr: &str, method: &str, path: &str) -> Response {
    let mut stream = TcpStream::connect(addr).expect("server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).expect("response is UTF-8");
    let (head, body) = raw.split_once("\r\n\r\n").expect("headers end");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "this client reads whole bodies only: {head}"
    );
    let mut response = Response {
        status,
        content_type: String::new(),
        head: head.to_string(),
        body: body.to_string(),
    };
    response.content_type = response.header("content-type").unwrap_or_default();
    response
}

/// Sends `bytes` as they are on one connection, then reads until the server
/// closes it, and returns the responses in order (each must carry a
/// Content-Length).
pub fn exchange(addr: &str, bytes: &[u8]) -> Vec<Response> {
    let mut stream = TcpStream::connect(addr).expect("server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // The server may refuse and close before all is sent: what it answered
    // is what counts.
    let _ = stream.write_all(bytes);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let mut rest = String::from_utf8(raw)
        .expect("responses are UTF-8")
        .as_str()
        .to_owned();
    let mut responses = Vec::new();
    while let Some((head, after)) = rest.split_once("\r\n\r\n") {
        let mut response = Response {
            status: head.split(' ').nth(1).unwrap().parse().unwrap(),
            content_type: String::new(),
            head: head.to_string(),
            body: String::new(),
        };
        let length: usize = response
            .header("content-length")
            .expect("every response has a Content-Length")
            .parse()
            .unwrap();
        response.body = after[..length].to_string();
        response.content_type = response.header("content-type").unwrap_or_default();
        rest = after[length..].to_string();
        responses.push(response);
    }
    assert!(rest.is_empty(), "left after the responses: {rest:?}");
    responses
}
