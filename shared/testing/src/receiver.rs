//! Stand-ins for third-party HTTP receivers (a Slack incoming webhook, PagerDuty's Events API):
//! real HTTP/1.1 servers on 127.0.0.1, each on a free port, recording every request and answering
//! with a scripted status. No mock client: the code under test makes real HTTP requests.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON request body")
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Request>,
    /// One-off answers, used before the usual one.
    next: VecDeque<(u16, String)>,
}

/// A receiver listening on `url`.
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl Receiver {
    /// Listen on a free port of 127.0.0.1; answer every request with `status` and `body` unless
    /// told otherwise with [`Receiver::answer_next`]. `path` is appended to the URL callers get.
    pub fn start(path: &str, status: u16, body: &str) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a receiver on 127.0.0.1");
        let port = listener.local_addr().expect("its address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let usual = (status, body.to_string());
        // Lives as long as the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &shared, &usual);
            }
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}{path}"),
            state,
        }
    }

    /// Answer the next request with `status` and `body` (then the usual answer again).
    pub fn answer_next(&self, status: u16, body: &str) {
        self.lock().next.push_back((status, body.to_string()));
    }

    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    /// The JSON bodies received so far, in order.
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.requests().iter().map(Request::json).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, usual: &(u16, String)) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let (status, body) = match length {
        None => (411, "content-length required".to_string()),
        Some(length) => {
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.requests.push(Request {
                method,
                path,
                headers,
                body,
            });
            state.next.pop_front().unwrap_or_else(|| usual.clone())
        }
    };
    let response = format!(
        "HTTP/1.1 {status} Scripted\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}
