//! One request helper for every test: sends, then returns status, headers and the JSON body.

use reqwest::header::HeaderMap;
use serde_json::Value;

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The envelope's `data`, after checking the envelope says success.
    pub fn data(&self) -> &Value {
        assert_eq!(self.body["success"], true, "expected a success envelope, got {}", self.body);
        &self.body["data"]
    }

    /// The envelope's `error.code`, after checking the envelope says failure.
    pub fn error_code(&self) -> &str {
        assert_eq!(self.body["success"], false, "expected an error envelope, got {}", self.body);
        assert!(self.body["meta"]["requestId"].is_string(), "error without a request id: {}", self.body);
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a readable body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("a JSON body, got {status}: {text}"));
    Answer { status, headers, body }
}

pub async fn get(url: &str) -> Answer {
    send(reqwest::Client::new().get(url)).await
}
