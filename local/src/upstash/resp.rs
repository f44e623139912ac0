//! A small RESP2 client for the private `redis-server`: commands written as arrays of bulk
//! strings, replies read back as [`Reply`], the value both backends of the stand-in answer with.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;

use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

/// A Redis reply, as RESP2 types it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    pub fn error(message: impl Into<String>) -> Self {
        Self::Error(message.into())
    }

    /// The reply as Upstash renders a `result`: strings, integers, null, arrays. Plain, invalid
    /// UTF-8 is replaced with U+FFFD; in base64 every string is encoded except a top-level status
    /// "OK" (restapi.mdx "Base64 Encoded Responses"). `@upstash/redis`'s `decode()` keeps a
    /// top-level "OK" and decodes every other string, nested ones included.
    pub fn to_json(&self, encoding: Encoding) -> Value {
        match self {
            Self::Status(ok) if ok == "OK" => json!(ok),
            other => other.nested(encoding),
        }
    }

    fn nested(&self, encoding: Encoding) -> Value {
        match self {
            Self::Status(text) | Self::Error(text) => encoding.string(text.as_bytes()),
            Self::Int(n) => json!(n),
            Self::Bulk(None) | Self::Array(None) => Value::Null,
            Self::Bulk(Some(bytes)) => encoding.string(bytes),
            Self::Array(Some(items)) => Value::Array(items.iter().map(|item| item.nested(encoding)).collect()),
        }
    }

    /// One pipeline or transaction item: `{"result": …}`, or `{"error": …}` never encoded.
    pub fn to_item(&self, encoding: Encoding) -> Value {
        match self {
            Self::Error(text) => json!({ "error": text }),
            other => json!({ "result": other.to_json(encoding) }),
        }
    }
}

/// How strings are written in a `result`: the `Upstash-Encoding` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Plain,
    Base64,
}

impl Encoding {
    fn string(self, bytes: &[u8]) -> Value {
        match self {
            Self::Plain => json!(String::from_utf8_lossy(bytes)),
            Self::Base64 => json!(BASE64_STANDARD.encode(bytes)),
        }
    }
}

/// One connection, already switched to its stand-in's database.
pub struct Conn {
    stream: BufReader<UnixStream>,
}

impl Conn {
    pub async fn connect(socket: &Path, db: u32) -> io::Result<Self> {
        let mut conn = Self { stream: BufReader::new(UnixStream::connect(socket).await?) };
        conn.send(&[vec![b"SELECT".to_vec(), db.to_string().into_bytes()]]).await?;
        match conn.read().await? {
            Reply::Status(_) => Ok(conn),
            other => Err(io::Error::other(format!("SELECT {db} answered {other:?}"))),
        }
    }

    /// Writes `commands` in one go (a pipeline); read one reply per command afterwards.
    pub async fn send(&mut self, commands: &[Vec<Vec<u8>>]) -> io::Result<()> {
        let mut out = Vec::new();
        for args in commands {
            out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
            for arg in args {
                out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
                out.extend_from_slice(arg);
                out.extend_from_slice(b"\r\n");
            }
        }
        self.stream.get_mut().write_all(&out).await
    }

    /// Reads one reply. Boxed because arrays nest.
    pub fn read(&mut self) -> Pin<Box<dyn Future<Output = io::Result<Reply>> + Send + '_>> {
        Box::pin(async move {
            let line = self.line().await?;
            let (kind, rest) = line.split_at_checked(1).ok_or_else(|| protocol("empty line"))?;
            match kind {
                "+" => Ok(Reply::Status(rest.to_owned())),
                "-" => Ok(Reply::Error(rest.to_owned())),
                ":" => rest.parse().map(Reply::Int).map_err(|_| protocol(&line)),
                "$" => self.bulk(length(rest)?).await,
                "*" => match length(rest)? {
                    None => Ok(Reply::Array(None)),
                    Some(n) => {
                        let mut items = Vec::with_capacity(n);
                        for _ in 0..n {
                            items.push(self.read().await?);
                        }
                        Ok(Reply::Array(Some(items)))
                    }
                },
                _ => Err(protocol(&line)),
            }
        })
    }

    async fn bulk(&mut self, len: Option<usize>) -> io::Result<Reply> {
        let Some(len) = len else { return Ok(Reply::Bulk(None)) };
        let mut data = vec![0; len + 2];
        self.stream.read_exact(&mut data).await?;
        data.truncate(len);
        Ok(Reply::Bulk(Some(data)))
    }

    async fn line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        if self.stream.read_until(b'\n', &mut line).await? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "redis-server closed the connection"));
        }
        let text = String::from_utf8_lossy(&line);
        Ok(text.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// A bulk or array length; `-1` is RESP2's null.
fn length(raw: &str) -> io::Result<Option<usize>> {
    match raw.parse::<i64>() {
        Ok(-1) => Ok(None),
        Ok(n) => usize::try_from(n).map(Some).map_err(|_| protocol(raw)),
        Err(_) => Err(protocol(raw)),
    }
}

fn protocol(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("unexpected RESP from redis-server: {what:.80}"))
}
