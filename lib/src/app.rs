//! `App`: everything a request needs, built once per process and shared by concurrent requests.

use std::sync::OnceLock;

use crate::auth::jwt::AccessTokens;
use crate::config::{Config, ConfigError};
use crate::email::Resend;
use crate::gemini::Gemini;
use crate::kv::Kv;
use crate::supabase::{Db, Storage};

/// Who issues access tokens, and for whom: checked on every token.
const ISSUER: &str = "ai-image-studio";
const AUDIENCE: &str = "ai-image-studio-api";

/// Sent on every outbound call. Resend's edge refuses a request without a `User-Agent` (403,
/// "error code: 1010") and reqwest sends none by default; the other services get it too, so their
/// logs name the caller.
pub const USER_AGENT: &str = concat!("ai-image-studio/", env!("CARGO_PKG_VERSION"));

pub struct App {
    pub config: Config,
    /// One connection pool and TLS set-up for every service client; each call sets its own deadline.
    pub http: reqwest::Client,
    pub db: Db,
    /// Issues and checks access tokens.
    pub tokens: AccessTokens,
    pub email: Resend,
    pub storage: Storage,
    /// Upstash Redis: rate limits.
    pub kv: Kv,
    pub gemini: Gemini,
}

impl App {
    pub fn new(config: Config) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(std::time::Duration::from_secs(5))
            .pool_idle_timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        let db = Db::new(&config);
        let auth = &config.auth;
        let tokens = AccessTokens::new(&auth.jwt_secret, ISSUER, AUDIENCE, auth.access_ttl_secs);
        let email = Resend::new(&config.resend, http.clone());
        let storage = Storage::new(&config, http.clone());
        let kv = Kv::new(&config.upstash, http.clone());
        let gemini = Gemini::new(&config.gemini, http.clone());
        Self { config, http, db, tokens, email, storage, kv, gemini }
    }

    /// The process-wide `App` from the environment. A configuration error is kept (not retried):
    /// the environment of a running function does not change.
    pub fn shared() -> Result<&'static App, &'static ConfigError> {
        static SHARED: OnceLock<Result<App, ConfigError>> = OnceLock::new();
        SHARED.get_or_init(|| Config::from_env().map(App::new)).as_ref()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    use serde_json::json;

    use super::*;
    use crate::email::Email;
    use crate::gemini::ImageRequest;

    /// The path and `User-Agent` of every request the recorder was sent.
    type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

    /// A loopback HTTP/1.1 server on its own thread that records each request and answers
    /// `200 {}`: what matters here is what the clients put on the wire, not what they make of
    /// the answer.
    fn recorder() -> (String, Seen) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let seen = Seen::default();
        let record = seen.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().map_while(Result::ok) {
                let (mut path, mut agent, mut length) = (String::new(), None, 0);
                let mut reader = BufReader::new(&mut stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    if path.is_empty() {
                        path = line.split(' ').nth(1).unwrap_or_default().to_owned();
                    } else if let Some((name, value)) = line.split_once(':') {
                        match name.to_ascii_lowercase().as_str() {
                            "user-agent" => agent = Some(value.trim().to_owned()),
                            "content-length" => length = value.trim().parse().unwrap_or(0),
                            _ => {}
                        }
                    }
                    line.clear();
                }
                let _ = reader.take(length).read_to_end(&mut Vec::new());
                record.lock().expect("not poisoned").push((path, agent));
                let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        (url, seen)
    }

    #[tokio::test]
    async fn every_service_call_names_the_studio_in_its_user_agent() {
        let (url, seen) = recorder();
        let services = [
            ("SUPABASE_URL", url.clone()),
            ("RESEND_BASE_URL", format!("{url}/resend")),
            ("UPSTASH_REDIS_REST_URL", format!("{url}/upstash")),
            ("GEMINI_BASE_URL", format!("{url}/gemini")),
        ];
        let base = crate::config::tests::complete();
        let lookup = |name: &str| {
            let service = services.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
            service.or_else(|| base.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
        };
        let app = App::new(Config::from_lookup(lookup).expect("a complete configuration"));
        let email = Email {
            to: vec!["ada@example.com".into()],
            subject: "Hi".into(),
            text: "Hello".into(),
            ..Email::default()
        };

        // Each call's outcome is beside the point (`{}` is no valid answer for most of them).
        let _ = app.db.run(app.db.from("images").select("id")).await;
        let _ = app.db.run(app.db.rpc("touch", &json!({}))).await;
        let _ = app.storage.download(app.storage.private_bucket(), "a/b.png").await;
        let _ = app.kv.command(&[json!("PING")]).await;
        let _ = app.gemini.generate(&ImageRequest::new("a lighthouse")).await;
        let _ = app.email.send(&email, "user-agent-check").await;

        let seen = seen.lock().expect("not poisoned").clone();
        for prefix in [
            "/rest/v1/images",
            "/rest/v1/rpc/touch",
            "/storage/v1/object/",
            "/upstash",
            "/gemini/v1beta/",
            "/resend/emails",
        ] {
            let calls: Vec<_> = seen.iter().filter(|(path, _)| path.starts_with(prefix)).collect();
            assert!(!calls.is_empty(), "no call to {prefix}: {seen:?}");
            for (path, agent) in calls {
                assert_eq!(agent.as_deref(), Some(USER_AGENT), "{path}");
            }
        }
        assert_eq!(USER_AGENT, format!("ai-image-studio/{}", env!("CARGO_PKG_VERSION")));
    }
}
