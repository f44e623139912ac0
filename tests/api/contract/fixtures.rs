//! What the generated requests' path parameters point at, made through the API: images from the
//! preview renderer, collections, share links, prompts, a second login and an API key. Each
//! destructive operation gets a resource of its own, so that deleting it early leaves the other
//! operations something real to read and change.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::stack::LOCAL_CRON_SECRET;
use studio_local::testing::TestStack;

use crate::helpers::{Account, log_in, request, send};

pub struct Fixtures {
    image: String,
    doomed_image: String,
    collection: String,
    doomed_collection: String,
    token: String,
    doomed_share: String,
    prompt: String,
    doomed_prompt: String,
    other_session: String,
    api_key: String,
    template: String,
}

impl Fixtures {
    pub async fn make(stack: &TestStack, account: &Account) -> Self {
        let api = Api { stack, access: &account.access };
        let image = api.generated("kucing oren tidur di atas kain batik").await;
        let doomed_image = api.generated("perahu nelayan saat fajar di pantai").await;
        let collection =
            api.created("/api/gallery/collections", json!({ "name": "Kucing", "description": "oren" })).await;
        let doomed_collection = api.created("/api/gallery/collections", json!({ "name": "Sementara" })).await;
        let images = json!({ "image_ids": [image, doomed_image] });
        let added =
            api.call(Method::POST, &format!("/api/gallery/collections/{collection}/images"), Some(images)).await;
        assert_eq!(added["image_count"], 2, "{added}");
        let share = json!({ "show_prompt": true });
        let token = api.post(&format!("/api/gallery/{image}/share"), share).await["token"].as_str().unwrap().to_owned();
        let doomed_share = api.created(&format!("/api/gallery/collections/{collection}/share"), json!({})).await;
        let prompts = api.call(Method::GET, "/api/gallery/prompts", None).await;
        let prompt_ids: Vec<String> =
            prompts.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
        let other = log_in(stack, &account.email, &account.password).await;
        let sessions = Api { stack, access: &other.access }.call(Method::GET, "/api/auth/sessions", None).await;
        let other_session = sessions.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"].clone();
        let key = json!({ "name": "contract", "scopes": ["gallery:read"] });
        let api_key = api.created("/api/auth/api-keys", key).await;
        Self {
            image,
            doomed_image,
            collection,
            doomed_collection,
            token,
            doomed_share,
            prompt: prompt_ids[0].clone(),
            doomed_prompt: prompt_ids[1].clone(),
            other_session: other_session.as_str().unwrap().to_owned(),
            api_key,
            template: "watercolor-storybook".to_owned(),
        }
    }

    /// schemathesis.toml: the value each operation's path parameter takes.
    pub fn config(&self) -> String {
        let image = &self.image;
        let collection = &self.collection;
        let mut operations = vec![
            ("GET|PATCH", "/api/gallery/{id}", "id", image),
            ("DELETE", "/api/gallery/{id}", "id", &self.doomed_image),
            ("POST", "/api/gallery/{id}/share", "id", image),
            ("GET", "/api/gallery/{id}/download", "id", image),
            ("POST", "/api/gallery/{id}/versions", "id", image),
            ("GET|PATCH", "/api/gallery/collections/{id}", "id", collection),
            ("DELETE", "/api/gallery/collections/{id}", "id", &self.doomed_collection),
            ("POST|DELETE", "/api/gallery/collections/{id}/images", "id", collection),
            ("POST", "/api/gallery/collections/{id}/share", "id", collection),
            ("DELETE", "/api/gallery/shares/{id}", "id", &self.doomed_share),
            ("PATCH", "/api/gallery/prompts/{id}", "id", &self.prompt),
            ("DELETE", "/api/gallery/prompts/{id}", "id", &self.doomed_prompt),
            ("DELETE", "/api/auth/sessions/{id}", "id", &self.other_session),
            ("DELETE", "/api/auth/api-keys/{id}", "id", &self.api_key),
        ];
        for path in ["/api/gallery/shared/{token}", "/api/gallery/s/{token}", "/s/{token}"] {
            operations.push(("GET", path, "token", &self.token));
        }
        operations.push(("GET", "/api/templates/{id}", "id", &self.template));
        // The maintenance run, with the cron secret in place of the user's token: it runs for real
        // (nothing in this database is old enough for retention to remove).
        let cron = format!(
            "[[operations]]\ninclude-name = \"GET /api/cron/reset\"\n\
             headers = {{ Authorization = \"Bearer {LOCAL_CRON_SECRET}\" }}\n\n"
        );
        let fixed: String = operations
            .iter()
            .flat_map(|(methods, path, name, value)| {
                methods.split('|').map(move |method| {
                    // One operation by its name: an entry's include-method and include-path
                    // select the operations that match either, not both.
                    format!(
                        "[[operations]]\ninclude-name = \"{method} {path}\"\n\
                         parameters = {{ \"path.{name}\" = \"{value}\" }}\n\n"
                    )
                })
            })
            .collect();
        fixed + &cron
    }
}

/// Calls made as the signed-in account, each expected to succeed.
struct Api<'a> {
    stack: &'a TestStack,
    access: &'a str,
}

impl Api<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.stack.url);
        let answer = send(request(method.clone(), &url, Some(self.access), body)).await;
        assert!((200..300).contains(&answer.status), "{method} {path}: {} {}", answer.status, answer.body);
        answer.data().clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(Method::POST, path, Some(body)).await
    }

    /// The id of what a POST made.
    async fn created(&self, path: &str, body: Value) -> String {
        self.post(path, body).await["id"].as_str().unwrap().to_owned()
    }

    /// A 1:1 image from the preview renderer, with its stored original and derivatives.
    async fn generated(&self, prompt: &str) -> String {
        let body = json!({ "prompt": prompt, "aspect_ratio": "1:1", "quality": "standard" });
        let made = self.post("/api/generate", body).await;
        made["images"][0]["id"].as_str().unwrap().to_owned()
    }
}
