//! The PostgREST stand-in, read side: select, every filter operator, logic trees, order, ranges and
//! counts, each checked over real HTTP against what PostgREST v13/v14 behind Supabase answers.
//! Also the shared fixture and helpers of the `postgrest_*` modules.

use jsonwebtoken::{EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::postgrest::{Gateway, Settings, router};
use studio_local::stack::{Keys, LOCAL_JWT_SECRET};
use studio_local::testing::{TestDb, serve};

/// Tables and functions of every shape the tests need, created as `postgres` like migrations.
const FIXTURE: &str = r#"
create table items (
  id serial primary key, name text not null unique, price numeric(10,2), tags text[] not null default '{}',
  data jsonb, span int4range, body text,
  created_at timestamptz not null default '2024-01-02 03:04:05.123+00');
insert into items (name, price, tags, data, span, body) values
  ('apple', 1.50, '{fruit,red}', '{"color":"red","size":{"w":1}}', '[1,5)', 'the fat cat sat'),
  ('banana', 0.25, '{fruit,yellow}', '{"color":"yellow"}', '[5,10)', 'fat rats eat cheese'),
  ('carrot', null, '{vegetable}', null, '[10,20)', 'a carrot a day'),
  ('a,b', 3, '{}', null, null, null),
  ('New Zealand', 10, '{}', null, null, null);
create table todos (id serial primary key, user_id uuid not null default auth.uid(), task text not null);
alter table todos enable row level security;
create policy todos_owner on todos for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
insert into todos (user_id, task) values
  ('11111111-1111-1111-1111-111111111111', 'mine'), ('22222222-2222-2222-2222-222222222222', 'theirs');
create table reviews (id serial primary key, item_id int not null references items(id), stars int);
create table logs (msg text, at int);
insert into logs values ('a', 1), ('b', 2);
create table secrets (id int primary key);
revoke all on secrets from anon, authenticated;
create function add(a int, b int) returns int language sql immutable as 'select a + b';
create function hello() returns text language sql stable as $$ select 'Hello, world' $$;
create function series(n int) returns setof int language sql stable as 'select generate_series(1, n)';
create function cheaper(max numeric) returns setof items language sql stable
  as 'select * from items where price < max';
create function pairs() returns table (id int, label text) language sql stable
  as $$ select id, name || '!' from items order by id $$;
create function first_item() returns items language sql stable as 'select * from items order by id limit 1';
create function config() returns jsonb language sql stable as $$ select '{"a": [1, 2]}'::jsonb $$;
create function touch(msg text) returns void language sql as 'insert into logs values (msg, 0)';
create function pay() returns int language plpgsql as $$ begin
  raise sqlstate 'PT402' using message = 'Payment required', detail = 'Quota used up', hint = 'Upgrade';
end $$;
create function boom() returns int language plpgsql as $$ begin raise exception 'boom'; end $$;
create function greet(name text, greeting text default 'Hello') returns text language sql stable
  as $$ select greeting || ', ' || name $$;
create function twin(x int) returns text language sql as $$ select 'int' $$;
create function twin(x text) returns text language sql as $$ select 'text' $$;
create function echo(jsonb) returns jsonb language sql as 'select $1';
create function whoami() returns jsonb language sql stable as $$ select jsonb_build_object(
  'role', current_user, 'method', current_setting('request.method'), 'path', current_setting('request.path'),
  'claims', current_setting('request.jwt.claims')::jsonb,
  'apikey', current_setting('request.headers')::jsonb ? 'apikey', 'uid', auth.uid()) $$;
"#;

pub const ALICE: &str = "11111111-1111-1111-1111-111111111111";

/// A served router over a fixture database, behind the gateway with legacy JWT-form keys.
pub struct Api {
    pub db: TestDb,
    /// `http://127.0.0.1:PORT/rest/v1`, no trailing slash (postgrest-rs uses it verbatim).
    pub url: String,
    pub keys: Keys,
    http: reqwest::Client,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        Self { status, headers, body }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

impl Api {
    pub async fn start() -> Self {
        Self::with_gateway(|keys| {
            Some(Gateway { anon_key: keys.anon_key.clone(), service_key: keys.service_key.clone() })
        })
        .await
    }

    pub async fn with_gateway(gateway: impl FnOnce(&Keys) -> Option<Gateway>) -> Self {
        let db = TestDb::bootstrapped().await;
        db.client().await.batch_execute(FIXTURE).await.unwrap();
        let keys = Keys::new(LOCAL_JWT_SECRET);
        let settings = Settings {
            schema: "public".into(),
            anon_role: "anon".into(),
            jwt_secret: LOCAL_JWT_SECRET.into(),
            max_rows: Some(1000),
            gateway: gateway(&keys),
        };
        let app = axum::Router::new().nest("/rest/v1", router(db.pool.clone(), settings));
        let url = format!("{}/rest/v1", serve(app).await);
        Self { db, url, keys, http: reqwest::Client::new() }
    }

    /// A raw request with the anon `apikey`, as every Supabase client sends it.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.request_with_key(method, path, &self.keys.anon_key)
    }

    pub fn request_with_key(&self, method: Method, path: &str, apikey: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url)).header("apikey", apikey)
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::from(self.request(Method::GET, path).send().await.unwrap()).await
    }

    /// The app's own client: postgrest-rs 1.6.0 with the anon key.
    pub fn client(&self) -> postgrest::Postgrest {
        postgrest::Postgrest::new(&self.url).insert_header("apikey", &self.keys.anon_key)
    }

    /// A user access token as Supabase Auth mints it.
    pub fn user_token(&self, sub: &str) -> String {
        let now = now();
        mint(&json!({ "sub": sub, "role": "authenticated", "aud": "authenticated", "iat": now, "exp": now + 3600 }))
    }

    pub async fn sql_count(&self, sql: &str) -> i64 {
        self.db.client().await.query_one(sql, &[]).await.unwrap().get(0)
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// An HS256 JWT over `claims` with the test secret.
pub fn mint(claims: &Value) -> String {
    jsonwebtoken::encode(&Header::default(), claims, &EncodingKey::from_secret(LOCAL_JWT_SECRET.as_bytes())).unwrap()
}

pub async fn text(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn select_renames_casts_and_json_paths_render_like_postgrest() {
    let api = Api::start().await;

    let reply =
        api.get("/items?select=id,label:name,price::text,color:data->>color,w:data->size->w,created_at&id=eq.1").await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(
        reply.json(),
        json!([{"id": 1, "label": "apple", "price": "1.50", "color": "red", "w": 1,
                "created_at": "2024-01-02T03:04:05.123+00:00"}])
    );
    assert_eq!(api.get("/items?select=price&id=eq.2").await.body, r#"[{"price":0.25}]"#);
}

#[tokio::test]
async fn every_filter_operator_selects_the_rows_postgrest_would() {
    let api = Api::start().await;
    let cases = [
        ("name=eq.apple", vec![1]),
        ("name=neq.apple&id=lt.4", vec![2, 3]),
        ("price=gt.1.5", vec![4, 5]),
        ("price=gte.1.5", vec![1, 4, 5]),
        ("price=lte.0.25", vec![2]),
        ("name=like.*an*", vec![2, 5]),
        ("name=ilike.NEW*", vec![5]),
        ("name=match.^[ab]", vec![1, 2, 4]),
        ("name=imatch.^C", vec![3]),
        ("id=in.(1,3)", vec![1, 3]),
        ("name=in.(\"a,b\",apple)", vec![1, 4]),
        ("id=in.()", vec![]),
        ("id=not.in.()", vec![1, 2, 3, 4, 5]),
        ("price=is.null", vec![3]),
        ("data=is.not_null", vec![1, 2]),
        ("price=isdistinct.1.5", vec![2, 3, 4, 5]),
        ("tags=cs.{fruit}", vec![1, 2]),
        ("tags=cd.{fruit,red,blue}", vec![1, 4, 5]),
        ("tags=ov.{red,vegetable}", vec![1, 3]),
        ("span=sl.(10,30)", vec![1, 2]),
        ("span=sr.(1,6)", vec![3]),
        ("span=nxr.(1,6)", vec![1]),
        ("span=nxl.(4,6)", vec![2, 3]),
        ("span=adj.(-1,1)", vec![1]),
        ("body=fts.fat%26cat", vec![1]),
        ("body=fts(english).rats", vec![2]),
        ("body=plfts(english).fat cats", vec![1]),
        ("body=phfts(english).fat rats", vec![2]),
        ("body=wfts.fat -cheese", vec![1]),
        ("data->>color=eq.yellow", vec![2]),
        ("name=not.like.*a*", vec![]),
        ("name=like(any).{ap*,ca*}", vec![1, 3]),
        ("name=eq.New+Zealand", vec![5]),
    ];
    for (filter, expected) in cases {
        let reply = api.get(&format!("/items?select=id&order=id&{filter}")).await;
        assert_eq!(reply.status, 200, "{filter}: {}", reply.body);
        let ids: Vec<i64> = reply.json().as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, expected, "{filter}");
    }
}

#[tokio::test]
async fn logic_trees_nest_and_negate() {
    let api = Api::start().await;
    let cases = [
        ("or=(id.eq.1,name.eq.carrot)", vec![1, 3]),
        ("or=(id.eq.1,and(price.gt.2,name.not.eq.\"a,b\"))", vec![1, 5]),
        ("not.or=(id.eq.1,id.eq.2)", vec![3, 4, 5]),
        ("and=(id.gte.2,or(price.is.null,name.in.(apple,banana)))", vec![2, 3]),
        ("or=(not.and(id.gt.1,id.lt.5),id.eq.3)", vec![1, 3, 5]),
        ("or=(tags.cs.{red},tags.cs.{vegetable})", vec![1, 3]),
    ];
    for (filter, expected) in cases {
        let reply = api.get(&format!("/items?select=id&order=id&{filter}")).await;
        assert_eq!(reply.status, 200, "{filter}: {}", reply.body);
        let ids: Vec<i64> = reply.json().as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, expected, "{filter}");
    }
}
