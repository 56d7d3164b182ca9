//! A stand-in for the networks' APIs on 127.0.0.1: answers X v2, Graph
//! (Meta) and WhatsApp Cloud API sends as the documentation shows, records
//! every request, and can be scripted to fail.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Scripted {
    pub fn new(status: u16, body: Value) -> Self {
        Scripted {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

#[derive(Default)]
struct FakeState {
    delivered: Vec<Recorded>,
    refused: Vec<Recorded>,
    scripted: VecDeque<Scripted>,
    /// Delays before the answers of the next successful requests (taken
    /// after the request is recorded as delivered).
    slow: VecDeque<std::time::Duration>,
    next_id: u64,
}

#[derive(Clone)]
pub struct FakeNetwork {
    pub addr: SocketAddr,
    state: Arc<Mutex<FakeState>>,
}

impl FakeNetwork {
    pub async fn start() -> FakeNetwork {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeNetwork { addr, state }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn http(&self) -> caredesk::channel::HttpConfig {
        caredesk::channel::HttpConfig::new(self.base_url())
    }

    /// Requests answered with success.
    pub fn delivered(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().delivered.clone()
    }

    /// Requests answered with a scripted failure.
    pub fn refused(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().refused.clone()
    }

    pub fn script(&self, answer: Scripted) {
        self.state.lock().unwrap().scripted.push_back(answer);
    }

    /// The next successful request is taken (recorded as delivered) but
    /// answered only after `delay`: a client with a shorter timeout never
    /// learns that it went through.
    pub fn answer_late(&self, delay: std::time::Duration) {
        self.state.lock().unwrap().slow.push_back(delay);
    }
}

async fn answer(
    State(state): State<Arc<Mutex<FakeState>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recorded = Recorded {
        path: uri.path().to_owned(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let (response, delay) = decide(&mut state.lock().unwrap(), recorded);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

/// The answer to one request, and how long to hold it back.
fn decide(state: &mut FakeState, recorded: Recorded) -> (Response, Option<std::time::Duration>) {
    if let Some(scripted) = state.scripted.pop_front() {
        state.refused.push(recorded);
        let mut response = (
            StatusCode::from_u16(scripted.status).unwrap(),
            scripted.body,
        )
            .into_response();
        for (name, value) in scripted.headers {
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        return (response, None);
    }
    state.next_id += 1;
    let n = state.next_id;
    let path = recorded.path.clone();
    let reply = if path == "/2/tweets" {
        json!({"data": {"id": format!("18700000000000{n:05}"), "text": recorded.body["text"]}})
    } else if path.starts_with("/2/dm_conversations/with/") {
        json!({"dm_conversation_id": "56377143-6253282", "dm_event_id": format!("18710000000000{n:05}")})
    } else if path.ends_with("/comments") || path.ends_with("/replies") {
        json!({"id": format!("998877665544_{n:013}")})
    } else if path.ends_with("/messages") && recorded.body["messaging_product"] == "whatsapp" {
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": recorded.body["to"], "wa_id": recorded.body["to"]}],
            "messages": [{"id": format!("wamid.OUT{n:04}")}]
        })
    } else if path.ends_with("/messages") {
        json!({"recipient_id": "6543210987654321", "message_id": format!("m_out{n:04}")})
    } else {
        return (
            (StatusCode::NOT_FOUND, "no such endpoint").into_response(),
            None,
        );
    };
    state.delivered.push(recorded);
    let delay = state.slow.pop_front();
    ((StatusCode::OK, axum::Json(reply)).into_response(), delay)
}

/// An address that accepts connections and never answers (for timeouts).
pub async fn silent_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    addr
}

pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/channels/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}
