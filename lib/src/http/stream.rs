//! File responses: bodies sent as a stream of chunks with no `Content-Length`, so that Vercel
//! streams them to the client instead of buffering them (a buffered response is cut off at 4.5 MB),
//! and bodies produced while they are sent, where an error aborts the response.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use tokio::sync::mpsc;

use super::response::Body;
use crate::error::BoxError;

/// Size of the frames a ready buffer is cut into: small enough to start sending at once.
const CHUNK: usize = 64 * 1024;

/// `bytes` as a body of [`CHUNK`]-sized frames.
pub fn chunked(bytes: Bytes) -> Body {
    let frames: Vec<Result<Frame<Bytes>, BoxError>> = (0..bytes.len())
        .step_by(CHUNK)
        .map(|start| Ok(Frame::data(bytes.slice(start..(start + CHUNK).min(bytes.len())))))
        .collect();
    StreamBody::new(futures_util::stream::iter(frames)).boxed()
}

/// The producing end of a [`channel`] body.
pub struct Sender(mpsc::Sender<Result<Frame<Bytes>, BoxError>>);

/// The client went away (or the response was dropped): stop producing.
#[derive(Debug)]
pub struct Closed;

impl Sender {
    /// Sends `bytes` once the client has taken enough of what came before (back-pressure).
    pub async fn send(&self, bytes: Bytes) -> Result<(), Closed> {
        self.0.send(Ok(Frame::data(bytes))).await.map_err(|_| Closed)
    }

    /// Ends the body with an error: the connection is closed before the body is complete, so the
    /// client sees a failed transfer, never a short file that looks whole.
    pub async fn abort(self, err: BoxError) {
        // A client that is already gone needs no telling.
        let _ = self.0.send(Err(err)).await;
    }
}

/// A body fed by a producer task through a channel of `capacity` chunks; the body ends when the
/// [`Sender`] is dropped.
pub fn channel(capacity: usize) -> (Sender, Body) {
    let (tx, rx) = mpsc::channel(capacity);
    (Sender(tx), Received(rx).boxed())
}

struct Received(mpsc::Receiver<Result<Frame<Bytes>, BoxError>>);

impl http_body::Body for Received {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.0.poll_recv(cx)
    }
}

/// A `200` file download: its type, `Content-Disposition`, never cached (it is the caller's own
/// file), and the request id in a header since there is no envelope to carry it.
pub fn file_response(
    body: Body,
    content_type: &'static str,
    disposition: HeaderValue,
    request_id: &str,
) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", id);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_buffer_is_sent_in_chunks_without_a_known_length() {
        let bytes = Bytes::from((0..200_000u32).map(|n| n as u8).collect::<Vec<u8>>());
        let mut body = chunked(bytes.clone());

        assert_eq!(http_body::Body::size_hint(&body).exact(), None, "a known length would be buffered");
        let mut frames = Vec::new();
        while let Some(frame) = body.frame().await {
            frames.push(frame.unwrap().into_data().unwrap());
        }
        assert_eq!(frames.iter().map(Bytes::len).collect::<Vec<_>>(), [CHUNK, CHUNK, CHUNK, 200_000 - 3 * CHUNK]);
        assert_eq!(frames.concat(), bytes);
    }

    #[tokio::test]
    async fn a_channel_body_ends_when_the_sender_goes_and_fails_when_aborted() {
        let (sender, mut body) = channel(2);
        tokio::spawn(async move {
            sender.send(Bytes::from_static(b"PK")).await.unwrap();
            sender.abort("storage failed".into()).await;
        });

        assert_eq!(body.frame().await.unwrap().unwrap().into_data().unwrap(), "PK");
        assert_eq!(body.frame().await.unwrap().unwrap_err().to_string(), "storage failed");

        let (sender, mut body) = channel(1);
        drop(sender);
        assert!(body.frame().await.is_none());
    }

    #[tokio::test]
    async fn a_producer_learns_that_the_client_is_gone() {
        let (sender, body) = channel(1);
        drop(body);
        assert!(sender.send(Bytes::from_static(b"x")).await.is_err());
    }
}
