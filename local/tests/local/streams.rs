//! Long answers arrive whole when the client closes the connection after them: a request with
//! `Connection: close` (Python's urllib sends it) over a raw TCP socket, read to its end.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use studio_local::testing::TestStack;

/// Larger than what loopback sockets buffer between the two ends, so most of it is still on its
/// way when the server has handed the last byte to the kernel and ends the connection.
const LARGE: usize = 24 << 20;

/// `GET path` with `Connection: close`, read until the server closes: the raw bytes, and the read
/// error that ended them early, if any.
async fn get_and_close(base_url: &str, path: &str) -> (Vec<u8>, Option<std::io::Error>) {
    let host = base_url.trim_start_matches("http://");
    let mut socket = TcpStream::connect(host).await.expect("connect to the stack");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.expect("send the request");
    let mut received = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    loop {
        match socket.read(&mut chunk).await {
            Ok(0) => return (received, None),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(err) => return (received, Some(err)),
        }
    }
}

/// The status line and header lines, and the body after them.
fn split_response(raw: &[u8]) -> (String, &[u8]) {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    (String::from_utf8_lossy(&raw[..end]).into_owned(), &raw[end + 4..])
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[tokio::test]
async fn a_large_streamed_file_arrives_whole_when_the_client_asks_to_close() {
    // Arrange: a public directory with one large file (served streamed from disk).
    let public = tempfile::tempdir().expect("a public directory");
    let content: Vec<u8> = (0..LARGE).map(|i| (i % 251) as u8).collect();
    std::fs::write(public.path().join("large.bin"), &content).expect("write the large file");
    let stack = TestStack::start_serving(&[], public.path().to_path_buf()).await;

    // Act
    let (raw, error) = get_and_close(&stack.url, "/large.bin").await;

    // Assert
    let (head, body) = split_response(&raw);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(header(&head, "content-length"), Some(LARGE.to_string().as_str()), "{head}");
    assert!(error.is_none(), "the connection broke after {} of {LARGE} body bytes: {error:?}", body.len());
    assert_eq!(body.len(), LARGE, "body bytes received");
    assert!(body == content.as_slice(), "the body arrived altered");
}
