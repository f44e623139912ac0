//! One table of commands per data type, run in order through the stand-in over the real
//! `redis-server` and over the in-process engine, plain and with `Upstash-Encoding: base64`: every
//! answer (status and body) must be identical. Only deterministic replies are compared (no random
//! picks, no multi-member sets, whose order Redis leaves open).

use std::sync::Arc;

use serde_json::{Value, json};
use studio_local::testing::serve;
use studio_local::upstash::{LOCAL_UPSTASH_TOKEN, SystemClock, Upstash};

use super::real_redis;

const STRINGS: &str = r#"[
  ["MSET","a","1","b","2"], ["MGET","a","b","nokey"], ["MSET","a"], ["MSETNX","a","x","c","3"], ["MSETNX","c","3","d","4"],
  ["GET","c"], ["APPEND","ap","hello"], ["APPEND","ap"," world"], ["STRLEN","ap"], ["STRLEN","nokey"],
  ["GETRANGE","ap",0,4], ["GETRANGE","ap",-5,-1], ["GETRANGE","ap",5,2], ["GETRANGE","ap",-1,-5], ["GETRANGE","ap",0,100],
  ["GETRANGE","nokey",0,1], ["GETRANGE","ap","x",1], ["SETRANGE","ap",6,"Redis"], ["GET","ap"], ["SETRANGE","sr",3,"x"],
  ["GET","sr"], ["SETRANGE","ap",-1,"x"], ["SETRANGE","nokey2",0,""], ["EXISTS","nokey2"], ["SETNX","a","z"],
  ["SETNX","nx1","z"], ["SETEX","se",100,"v"], ["TTL","se"], ["SETEX","se",0,"v"], ["SETEX","se","x","v"],
  ["PSETEX","pse",1500000,"v"], ["TTL","pse"], ["GETSET","a","new"], ["GETSET","nokey3","v"], ["GETDEL","nokey3"],
  ["GETDEL","nokey3"], ["INCRBYFLOAT","f","10.5"], ["INCRBYFLOAT","f","0.1"], ["INCRBYFLOAT","f","-5"],
  ["INCRBYFLOAT","f","abc"], ["INCRBYFLOAT","ap","1"], ["SET","f2","5.0e3"], ["INCRBYFLOAT","f2","2.0e2"],
  ["INCRBYFLOAT","f","inf"], ["GETEX","se"], ["GETEX","se","PERSIST"], ["TTL","se"], ["GETEX","se","EX",50], ["TTL","se"],
  ["GETEX","se","EX",0], ["GETEX","se","EX"], ["GETEX","nokey","EX",0], ["GETEX","se","PX",100,"EX",5],
  ["GETEX","se","BOGUS"], ["GETEX","se","PXAT",1], ["EXISTS","se"], ["HSET","a","f","v"], ["GET","nokey"]
]"#;

const KEYS: &str = r#"[
  ["SET","k1","v"], ["TYPE","k1"], ["TYPE","nokey"], ["RENAME","k1","k2"], ["GET","k2"], ["RENAME","nokey","x"],
  ["SET","k3","w"], ["RENAMENX","k2","k3"], ["RENAMENX","k2","k4"], ["COPY","k4","cp"], ["COPY","k4","cp"],
  ["COPY","k4","cp","REPLACE"], ["COPY","k4","k4"], ["COPY","k4","cp","BOGUS"], ["SET","t","v","EX",100],
  ["PERSIST","t"], ["PERSIST","t"], ["PERSIST","nokey"], ["EXPIREAT","cp",4102444800], ["EXPIRETIME","cp"],
  ["PEXPIREAT","cp",4102444800123], ["PEXPIRETIME","cp"], ["EXPIRETIME","cp"], ["EXPIRETIME","nokey"],
  ["EXPIRETIME","k3"], ["EXPIREAT","cp",1], ["EXISTS","cp"], ["TOUCH","k3","nokey","k3"], ["ECHO","hi"],
  ["UNLINK","k3","nokey"], ["KEYS","k[4]"], ["EXPIRE","k4",100,"LT"], ["TTL","k4"]
]"#;

const HASHES: &str = r#"[
  ["HSET","h","f1","v1","f2","v2"], ["HSET","h","f1","v1b","f3","v3"], ["HSET","h","f1"], ["HGET","h","f1"],
  ["HGET","h","nof"], ["HGET","nokey","f"], ["HMGET","h","f1","nof","f3"], ["HGETALL","h"], ["HKEYS","h"], ["HVALS","h"],
  ["HLEN","h"], ["HEXISTS","h","f2"], ["HEXISTS","h","nof"], ["HSTRLEN","h","f1"], ["HSETNX","h","f1","x"],
  ["HSETNX","h","f4","x"], ["HDEL","h","f4","nof"], ["HINCRBY","h","n",5], ["HINCRBY","h","n","-7"],
  ["HINCRBY","h","f1",1], ["HINCRBY","h","n","x"], ["HINCRBYFLOAT","h","fl","1.5"], ["HINCRBYFLOAT","h","f1","1"],
  ["HINCRBYFLOAT","h","fl","x"], ["HMSET","h2","a","1"], ["HMSET","h2","a"], ["HGETALL","nokey"], ["HDEL","h2","a"],
  ["EXISTS","h2"], ["HRANDFIELD","nokey"], ["HRANDFIELD","nokey",2], ["HSET","one","f","v"], ["HRANDFIELD","one"],
  ["HRANDFIELD","one",5,"WITHVALUES"], ["HRANDFIELD","one",-2], ["HRANDFIELD","one","x"], ["HSCAN","h",0],
  ["HSCAN","h",0,"MATCH","f*"], ["HSCAN","h","x"], ["HSCAN","h",0,"COUNT",0], ["SET","str","v"], ["HGET","str","f"],
  ["GET","h"]
]"#;

const LISTS: &str = r#"[
  ["RPUSH","l","a","b","c"], ["LPUSH","l","z"], ["LRANGE","l",0,-1], ["LRANGE","l",-2,100], ["LRANGE","l",5,10],
  ["LRANGE","l","x",1], ["LLEN","l"], ["LINDEX","l",0], ["LINDEX","l",-1], ["LINDEX","l",9], ["LSET","l",1,"A"],
  ["LSET","l",9,"x"], ["LSET","nokey",0,"x"], ["LINSERT","l","BEFORE","b","ins"], ["LINSERT","l","AFTER","nopivot","x"],
  ["LINSERT","nokey","AFTER","a","x"], ["LINSERT","l","MIDDLE","b","x"], ["RPUSH","l","b","b"], ["LPOS","l","b"],
  ["LPOS","l","b","RANK",-1], ["LPOS","l","b","COUNT",0], ["LPOS","l","b","RANK",2,"COUNT",1], ["LPOS","l","b","MAXLEN",2],
  ["LPOS","l","b","RANK",0], ["LPOS","l","b","COUNT",-1], ["LPOS","l","nothing"], ["LPOS","nokey","x","COUNT",2],
  ["LREM","l",1,"b"], ["LREM","l",-1,"b"], ["LRANGE","l",0,-1], ["LPOP","l"], ["RPOP","l",2], ["LPOP","l",0],
  ["LPOP","nokey"], ["LPOP","nokey",2], ["LPOP","l",-1], ["LPOP","l",1,2], ["LPUSHX","nokey","x"], ["RPUSHX","l","tail"],
  ["LTRIM","l",1,-1], ["LRANGE","l",0,-1], ["LMOVE","l","l2","LEFT","RIGHT"], ["LMOVE","l","l2","UP","RIGHT"],
  ["LMOVE","nokey","l2","LEFT","LEFT"], ["LRANGE","l2",0,-1], ["LMPOP",2,"nokey","l2","LEFT","COUNT",5], ["EXISTS","l2"],
  ["LMPOP",0,"l","LEFT"], ["LMPOP",5,"l","LEFT"], ["LMPOP",1,"nokey","RIGHT"], ["LMPOP",1,"l","SIDEWAYS"],
  ["LMPOP",1,"l","LEFT","COUNT",0], ["LRANGE","l",0,-1], ["LTRIM","l",5,1], ["EXISTS","l"], ["SET","str","v"],
  ["LPUSH","str","x"], ["LMOVE","l3","str","LEFT","LEFT"], ["RPUSH","l3","x"], ["LMOVE","l3","str","LEFT","LEFT"]
]"#;

const SETS: &str = r#"[
  ["SADD","s1","a","b","c"], ["SADD","s1","a","d"], ["SCARD","s1"], ["SISMEMBER","s1","a"], ["SISMEMBER","s1","z"],
  ["SMISMEMBER","s1","a","z"], ["SREM","s1","d","z"], ["SADD","s2","b","c","e"], ["SINTERCARD",2,"s1","s2"],
  ["SINTERCARD",2,"s1","s2","LIMIT",1], ["SINTERCARD",0,"s1"], ["SINTERCARD",3,"s1","s2"],
  ["SINTERCARD",2,"s1","s2","LIMIT",-1], ["SINTERSTORE","si","s1","s2"], ["SCARD","si"], ["SUNIONSTORE","su","s1","s2"],
  ["SCARD","su"], ["SDIFFSTORE","sd","s1","s2"], ["SMEMBERS","sd"], ["SDIFF","s1","s2","su"], ["SINTER","s1","nokey"],
  ["SINTERSTORE","si","s1","nokey"], ["EXISTS","si"], ["SMOVE","s1","s3","a"], ["SMOVE","s1","s3","zz"],
  ["SMOVE","nokey","s3","a"], ["SMEMBERS","s3"], ["SET","str","v"], ["SMOVE","s3","str","a"], ["SPOP","s3"], ["SPOP","s3"],
  ["SPOP","nokey",2], ["SPOP","s2",0], ["SPOP","s2",-1], ["SPOP","s2",1,2], ["SRANDMEMBER","nokey"],
  ["SRANDMEMBER","nokey",3], ["SADD","single","x"], ["SRANDMEMBER","single"], ["SRANDMEMBER","single",-3],
  ["SRANDMEMBER","single",3], ["SSCAN","single",0], ["SSCAN","single",0,"MATCH","y*"], ["SADD","str","x"],
  ["SUNION","s1","str"]
]"#;

const ZSETS: &str = r#"[
  ["ZADD","z","1","a","2","b","3","c"], ["ZADD","z","NX","5","a","4","d"], ["ZADD","z","XX","CH","10","a","9","e"],
  ["ZADD","z","GT","CH","5","a"], ["ZADD","z","LT","CH","1","a"], ["ZADD","z","INCR","2","b"], ["ZADD","z","NX","INCR","2","b"],
  ["ZADD","z","XX","NX","1","a"], ["ZADD","z","GT","LT","1","a"], ["ZADD","z","INCR","1","a","2","b"], ["ZADD","z","1"],
  ["ZADD","z","x","a"], ["ZADD","nokey","XX","1","a"], ["ZADD","nokey","XX","INCR","1","a"], ["EXISTS","nokey"],
  ["ZADD","z","1.5","f","-inf","g","+inf","h"], ["ZRANGE","z",0,-1,"WITHSCORES"], ["ZCARD","z"], ["ZSCORE","z","f"],
  ["ZSCORE","z","g"], ["ZSCORE","z","nom"], ["ZMSCORE","z","a","nom","h"], ["ZINCRBY","z","0.5","f"],
  ["ZINCRBY","z","x","f"], ["ZRANK","z","c"], ["ZREVRANK","z","c"], ["ZRANK","z","nom"], ["ZRANGE","z",1,3],
  ["ZRANGE","z",-2,-1,"REV"], ["ZRANGE","z","(1","3","BYSCORE"], ["ZRANGE","z","3","(1","BYSCORE","REV","WITHSCORES"],
  ["ZRANGE","z","-inf","+inf","BYSCORE","LIMIT",1,2], ["ZRANGE","z","-inf","+inf","BYSCORE","LIMIT",-1,2],
  ["ZRANGE","z","-inf","+inf","BYSCORE","LIMIT",2,-1], ["ZRANGE","z",0,1,"LIMIT",0,1], ["ZRANGE","z","x","1","BYSCORE"],
  ["ZRANGE","z","x",1], ["ZRANGE","z",0,1,"BOGUS"], ["ZRANGE","nokey",0,-1], ["ZRANGE","z","-","+","BYLEX","WITHSCORES"],
  ["ZADD","lex",0,"a",0,"b",0,"c",0,"d"], ["ZRANGE","lex","[b","(d","BYLEX"], ["ZRANGE","lex","+","-","BYLEX","REV"],
  ["ZRANGE","lex","(c","-","BYLEX","REV","LIMIT",0,1], ["ZRANGE","lex","b","d","BYLEX"], ["ZLEXCOUNT","lex","-","+"],
  ["ZLEXCOUNT","lex","[b","[c"], ["ZREMRANGEBYLEX","lex","[a","(c"], ["ZRANGE","lex",0,-1], ["ZCOUNT","z","(1","+inf"],
  ["ZCOUNT","z","x","1"], ["ZPOPMIN","z"], ["ZPOPMAX","z",2], ["ZPOPMIN","nokey"], ["ZPOPMIN","z",-1],
  ["ZREMRANGEBYRANK","z",0,0], ["ZREMRANGEBYSCORE","z","(2","5"], ["ZRANGE","z",0,-1,"WITHSCORES"], ["ZREM","z","b","nom"],
  ["ZADD","za",1,"x",2,"y"], ["ZADD","zb",10,"y",20,"w"], ["SADD","sz","x","w"], ["ZUNION",2,"za","zb","WITHSCORES"],
  ["ZUNION",2,"za","zb","WEIGHTS",2,1,"AGGREGATE","MAX","WITHSCORES"], ["ZINTER",2,"za","zb","WITHSCORES"],
  ["ZINTER",2,"za","sz","AGGREGATE","MIN","WITHSCORES"], ["ZDIFF",2,"za","zb","WITHSCORES"],
  ["ZUNIONSTORE","zu",3,"za","zb","sz"], ["ZRANGE","zu",0,-1,"WITHSCORES"], ["ZINTERSTORE","zi",2,"za","nokey"],
  ["EXISTS","zi"], ["ZDIFFSTORE","zd",1,"za"], ["ZRANGE","zd",0,-1,"WITHSCORES"], ["ZUNIONSTORE","zu",0,"za"],
  ["ZUNION",3,"za","zb"], ["ZUNION",2,"za","zb","WEIGHTS",1], ["ZUNION",2,"za","zb","WEIGHTS",1,"x"],
  ["ZUNION",2,"za","zb","AGGREGATE","AVG"], ["ZDIFFSTORE","zd",1,"za","WEIGHTS",1], ["SET","str","v"],
  ["ZUNION",2,"za","str"], ["ZUNIONSTORE","zu",1,"za","WITHSCORES"], ["ZSCAN","za",0], ["ZSCAN","za",0,"MATCH","x"],
  ["ZADD","str",1,"m"], ["ZADD","zf",0.25,"m"], ["ZSCORE","zf","m"], ["ZINCRBY","zf",1e20,"m"]
]"#;

/// Each table from an empty keyspace, under `encoding` (or none): (case, status, body) per command.
async fn answers(upstash: &Upstash, encoding: Option<&str>) -> Vec<(String, u16, Value)> {
    let url = serve(upstash.router()).await;
    let http = reqwest::Client::new();
    let mut answers = Vec::new();
    for (name, table) in
        [("strings", STRINGS), ("keys", KEYS), ("hashes", HASHES), ("lists", LISTS), ("sets", SETS), ("zsets", ZSETS)]
    {
        let flush = http.post(&url).bearer_auth(LOCAL_UPSTASH_TOKEN).json(&json!(["FLUSHDB"])).send().await.unwrap();
        assert_eq!(flush.status(), 200, "FLUSHDB before {name}");
        for command in serde_json::from_str::<Vec<Value>>(table).expect("a JSON table") {
            let mut request = http.post(&url).bearer_auth(LOCAL_UPSTASH_TOKEN).json(&command);
            if let Some(encoding) = encoding {
                request = request.header("upstash-encoding", encoding);
            }
            let response = request.send().await.unwrap();
            answers.push((format!("{name}: {command}"), response.status().as_u16(), response.json().await.unwrap()));
        }
    }
    answers
}

async fn compare(encoding: Option<&str>) {
    let Some(real) = real_redis() else {
        eprintln!("redis-server is not installed: nothing to compare the in-process engine with");
        return;
    };
    let expected = answers(&real, encoding).await;
    let got = answers(&Upstash::in_process(Arc::new(SystemClock)), encoding).await;

    let mismatches: Vec<String> = expected
        .iter()
        .zip(&got)
        .filter(|(want, have)| (want.1, &want.2) != (have.1, &have.2))
        .map(|(want, have)| {
            format!("{}\n  redis-server: {} {}\n  in-process:   {} {}", want.0, want.1, want.2, have.1, have.2)
        })
        .collect();
    assert!(mismatches.is_empty(), "{} of {} differ:\n{}", mismatches.len(), expected.len(), mismatches.join("\n"));
    let rejected = expected.iter().filter(|(_, status, _)| *status == 400).count();
    assert!(rejected > 60, "the tables should exercise Redis's errors, only {rejected} did");
}

#[tokio::test]
async fn every_data_type_answers_in_process_exactly_as_redis_server_does() {
    compare(None).await;
}

#[tokio::test]
async fn every_data_type_answers_alike_in_base64() {
    compare(Some("base64")).await;
}
