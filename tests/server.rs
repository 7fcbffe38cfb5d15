//! The query server over real HTTP on loopback: ZStack's endpoints and reply shape, the JSON
//! errors and their statuses, the URLs ZStack's Java SDK sends, concurrent requests, the
//! playground's JSON API, curl, and the `serve` subcommand of the binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use rusqlite::Connection;
use serde_json::{Value, json};
use zstack_query::exec::demo::DemoSize;
use zstack_query::server::{self, Config, Running};

use crate::support::{DEMO_VMS, engine};

/// A demo database file, built once for the whole test binary. The demo is deterministic, so a
/// concurrent test run replacing the file (built aside, then renamed) changes nothing.
pub fn demo_db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join("server-demo.sqlite");
        let tmp = dir.join(format!("server-demo-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let mut conn = Connection::open(&tmp).expect("the demo file opens");
        engine()
            .generate_demo(&mut conn, DemoSize { vms: DEMO_VMS })
            .expect("demo generates");
        drop(conn);
        std::fs::rename(&tmp, &path).expect("the demo file is renamed");
        path
    })
}

/// One server on the demo database for the tests that only read.
pub fn shared() -> &'static Running {
    static SERVER: OnceLock<Running> = OnceLock::new();
    SERVER.get_or_init(|| {
        server::spawn(engine().clone(), &Config::new(demo_db()), "127.0.0.1:0")
            .expect("the server starts")
    })
}

/// An HTTP agent that returns 4xx/5xx replies instead of failing on them.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// `GET http://<server><path_and_query>` → status and JSON body.
pub fn get_on(running: &Running, path_and_query: &str) -> (u16, Value) {
    let url = format!("http://{}{path_and_query}", running.addr());
    let mut resp = agent().get(&url).call().expect("the server answers");
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().expect("a body");
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: {e}: {body}"));
    (status, json)
}

fn get(path_and_query: &str) -> (u16, Value) {
    get_on(shared(), path_and_query)
}

/// The reply the library gives for the same query on the same database.
fn library(resource: &str, query: &str) -> Value {
    let conn = Connection::open(demo_db()).expect("opens");
    let reply = engine()
        .run(&conn, Some(resource), query)
        .expect("the query runs");
    serde_json::to_value(reply).expect("serializes")
}

// ---- ZStack's endpoints ------------------------------------------------------------------------

#[test]
fn query_replies_with_inventories_and_total() {
    let q = "q=name~=web-1%25&q=state=Running&sort=-createDate&limit=3&replyWithCount=true&fields=uuid,name,state";
    let (status, body) = get(&format!("/zstack/v1/vm-instances?{q}"));
    assert_eq!(status, 200);
    assert_eq!(body, library("vm-instances", q));
    assert_eq!(body["inventories"].as_array().map(Vec::len), Some(3));
    assert!(body["total"].as_u64().is_some_and(|n| n >= 3));
    // `/v1/…` is the same (the SDK's URL without a context path).
    assert_eq!(get(&format!("/v1/vm-instances?{q}")).1, body);
    // count=true: only the total.
    let (_, count) = get("/zstack/v1/vm-instances?q=state=Running&count=true");
    assert_eq!(count, library("vm-instances", "q=state=Running&count=true"));
    assert!(count.get("inventories").is_none());
}

#[test]
fn get_by_uuid_and_slashed_rest_paths() {
    let (_, one) = get("/zstack/v1/vm-instances?q=name=web-5&fields=uuid");
    let uuid = one["inventories"][0]["uuid"]
        .as_str()
        .expect("web-5 exists")
        .to_owned();
    let (status, body) = get(&format!("/zstack/v1/vm-instances/{uuid}?fields=uuid,name"));
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"inventories": [{"uuid": uuid, "name": "web-5"}]})
    );
    // The uuid form combines with the client's own conditions.
    let (_, none) = get(&format!("/zstack/v1/vm-instances/{uuid}?q=name=web-6"));
    assert_eq!(none, json!({"inventories": []}));
    // `vm-instances/appliances` is a REST path of its own (longest match first), not a uuid.
    let (status, appliances) = get("/zstack/v1/vm-instances/appliances?count=true");
    assert_eq!(status, 200);
    assert_eq!(appliances, library("vm-instances/appliances", "count=true"));
    let (status, _) = get("/zstack/v1/vm-instances/appliances/no-such-uuid");
    assert_eq!(status, 200);
}

#[test]
fn bad_queries_are_400_with_the_json_error() {
    // The span indexes the query string as sent, before percent-decoding.
    let (status, body) = get("/zstack/v1/vm-instances?q=name~=web%25&q=vmNics.l3Netwrok.name=pub");
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"code": "unknown-relation",
               "message": "VmNicInventory has no relation `l3Netwrok`",
               "span": {"start": 24, "end": 33},
               "hint": "did you mean `l3Network`?"})
    );
    let (status, body) = get("/zstack/v1/vm-instances?q=cpuNum%3Etwo");
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid-value"))
    );
    let (status, body) = get("/zstack/v1/vm-instances?limit=5&limit=6");
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("duplicate-parameter"))
    );
    let (status, body) = get("/zstack/v1/vm-instances?q=name=%zz");
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid-encoding"))
    );
}

#[test]
fn unknown_resources_and_endpoints_are_404() {
    let (status, body) = get("/zstack/v1/vm-instance?q=name=x");
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"code": "unknown-resource", "message": "unknown resource `vm-instance`",
               "span": {"start": 0, "end": 11}, "hint": "did you mean `vm-instances`?"})
    );
    // API names are not URLs.
    assert_eq!(get("/zstack/v1/QueryVmInstance").0, 404);
    assert_eq!(get("/zstack/v2/vm-instances").1["code"], "not-found");
}

#[test]
fn database_errors_are_500() {
    // A SQLite file without the tables: the query compiles, the database fails.
    let path = std::env::temp_dir().join(format!("zq-server-empty-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    Connection::open(&path)
        .and_then(|c| c.execute_batch("CREATE TABLE t(x)"))
        .expect("an empty database");
    let running =
        server::spawn(engine().clone(), &Config::new(&path), "127.0.0.1:0").expect("starts");
    let (status, body) = get_on(&running, "/zstack/v1/vm-instances?q=name=vm1");
    assert_eq!(status, 500);
    assert_eq!(body["code"], "database");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("no such table: VmInstanceVO"))
    );
    running.stop().expect("stops");
    let _ = std::fs::remove_file(&path);
    // Not a database at all: the server refuses to start.
    let junk = std::env::temp_dir().join(format!("zq-server-junk-{}.txt", std::process::id()));
    std::fs::write(
        &junk,
        "not a database, not at all, no no no no no no no no no no no no",
    )
    .expect("writes");
    let err = server::spawn(engine().clone(), &Config::new(&junk), "127.0.0.1:0")
        .expect_err("not a database");
    assert!(err.to_string().contains("database error"), "{err}");
    let _ = std::fs::remove_file(&junk);
}

#[test]
fn a_server_starts_and_stops() {
    let running =
        server::spawn(engine().clone(), &Config::new(demo_db()), "127.0.0.1:0").expect("starts");
    let addr = running.addr();
    assert_eq!(get_on(&running, "/zstack/v1/zones?count=true").0, 200);
    running.stop().expect("stops cleanly");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still listening"
    );
}

// ---- ZStack's Java SDK -------------------------------------------------------------------------

/// What `ZSClient.Api.fillQueryApiRequestBuilder` reads from a `QueryAction`
/// (zstackio/zstack `sdk/src/main/java/org/zstack/sdk/ZSClient.java`, commit 03e622ce).
#[derive(Default)]
struct QueryAction<'a> {
    conditions: Vec<&'a str>,
    limit: Option<u32>,
    start: Option<u32>,
    count: Option<bool>,
    reply_with_count: Option<bool>,
    sort_by: Option<&'a str>,
    sort_direction: Option<&'a str>,
    fields: Vec<&'a str>,
}

/// OkHttp's `QUERY_COMPONENT_ENCODE_SET` in 3.5.0 (the version zstackio/zstack's `pom.xml` pins).
const OKHTTP_3_ENCODE_SET: &str = " \"'<>#&=";
/// OkHttp's `QUERY_COMPONENT_ENCODE_SET` since 3.11 and in 4.x.
const OKHTTP_4_ENCODE_SET: &str = " !\"#$&'(),/:;<=>?@[]\\^`{|}~";

/// OkHttp's `HttpUrl.Builder.addQueryParameter`: `canonicalize(value, QUERY_COMPONENT_ENCODE_SET,
/// alreadyEncoded = false, strict = false, plusIsSpace = true, asciiOnly = true)`: the set, `%`,
/// `+`, control characters and non-ASCII are percent-encoded (UTF-8, upper-case hex).
fn okhttp_query_component(s: &str, encode_set: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if (c as u32) < 0x20 || c as u32 >= 0x7f || encode_set.contains(c) || c == '%' || c == '+' {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The URL path and query the SDK requests, statement by statement as in
/// `fillQueryApiRequestBuilder` (context path `zstack`, then `v1`, then the API's path), with its
/// two slips kept: `start` is sent as a second `limit`, and `sortDirection` makes the sort key
/// `+`/`-` followed by `replyWithCount` instead of `sortBy`.
fn sdk_url(path: &str, a: &QueryAction<'_>, encode_set: &str) -> String {
    let mut params: Vec<(&str, String)> = Vec::new();
    for c in &a.conditions {
        params.push(("q", (*c).to_owned()));
    }
    if let Some(l) = a.limit {
        params.push(("limit", l.to_string()));
    }
    if let Some(s) = a.start {
        params.push(("limit", s.to_string()));
    }
    if let Some(c) = a.count {
        params.push(("count", c.to_string()));
    }
    if let Some(r) = a.reply_with_count {
        params.push(("replyWithCount", r.to_string()));
    }
    if let Some(by) = a.sort_by {
        match a.sort_direction {
            None => params.push(("sort", by.to_owned())),
            Some(d) => {
                let sign = if d == "asc" { "+" } else { "-" };
                let r = a
                    .reply_with_count
                    .map_or("null".to_owned(), |r| r.to_string());
                params.push(("sort", format!("{sign}{r}")));
            }
        }
    }
    if !a.fields.is_empty() {
        params.push(("fields", a.fields.join(",")));
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", okhttp_query_component(v, encode_set)))
        .collect();
    format!(
        "/zstack/v1/{}?{}",
        path.trim_start_matches('/'),
        query.join("&")
    )
}

#[test]
fn java_sdk_query_urls() {
    let action = QueryAction {
        conditions: vec![
            "name!~=db-%",
            "state=Running",
            "cpuNum>=4",
            "vmNics.ip?=10.0.0.5,10.0.0.6,10.0.0.7,10.0.0.8",
        ],
        limit: Some(5),
        reply_with_count: Some(true),
        sort_by: Some("name"),
        fields: vec!["name", "cpuNum"],
        ..QueryAction::default()
    };
    let v3 = sdk_url("/vm-instances", &action, OKHTTP_3_ENCODE_SET);
    assert_eq!(
        v3,
        "/zstack/v1/vm-instances?q=name!~%3Ddb-%25&q=state%3DRunning&q=cpuNum%3E%3D4\
         &q=vmNics.ip?%3D10.0.0.5,10.0.0.6,10.0.0.7,10.0.0.8\
         &limit=5&replyWithCount=true&sort=name&fields=name,cpuNum"
    );
    let v4 = sdk_url("/vm-instances", &action, OKHTTP_4_ENCODE_SET);
    assert_eq!(
        v4,
        "/zstack/v1/vm-instances?q=name%21%7E%3Ddb-%25&q=state%3DRunning&q=cpuNum%3E%3D4\
         &q=vmNics.ip%3F%3D10.0.0.5%2C10.0.0.6%2C10.0.0.7%2C10.0.0.8\
         &limit=5&replyWithCount=true&sort=name&fields=name%2CcpuNum"
    );
    // The 600-VM demo's answer (deterministic; the library must agree too).
    let expected = json!({"inventories": [{"name": "batch-9", "cpuNum": 8}], "total": 1});
    assert_eq!(
        library(
            "vm-instances",
            "q=name!~=db-%25&q=state=Running&q=cpuNum>=4&q=vmNics.ip?=10.0.0.5,10.0.0.6,10.0.0.7,10.0.0.8\
             &limit=5&replyWithCount=true&sort=name&fields=name,cpuNum",
        ),
        expected
    );
    for url in [&v3, &v4] {
        let (status, body) = get(url);
        assert_eq!(status, 200, "{url}: {body}");
        assert_eq!(body, expected, "{url}");
    }
}
#[test]
fn java_sdk_null_tests_spaces_and_unicode() {
    let action = QueryAction {
        conditions: vec!["hostUuid is null", "description!=a b+c", "name!=虚拟机"],
        count: Some(true),
        ..QueryAction::default()
    };
    let url = sdk_url("/vm-instances", &action, OKHTTP_3_ENCODE_SET);
    assert_eq!(
        url,
        "/zstack/v1/vm-instances?q=hostUuid%20is%20null&q=description!%3Da%20b%2Bc\
         &q=name!%3D%E8%99%9A%E6%8B%9F%E6%9C%BA&count=true"
    );
    let (status, body) = get(&url);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        library(
            "vm-instances",
            "q=hostUuid%20is%20null&q=description!=a%20b%2Bc&q=name!=%E8%99%9A%E6%8B%9F%E6%9C%BA&count=true"
        )
    );
}

/// The SDK's two slips reach the server as clear 400s, not as silently different queries.
#[test]
fn java_sdk_slips_are_reported() {
    let paged = QueryAction {
        conditions: vec!["state=Running"],
        limit: Some(10),
        start: Some(20),
        ..QueryAction::default()
    };
    let url = sdk_url("/vm-instances", &paged, OKHTTP_3_ENCODE_SET);
    assert_eq!(
        url,
        "/zstack/v1/vm-instances?q=state%3DRunning&limit=10&limit=20"
    );
    let (status, body) = get(&url);
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("duplicate-parameter"))
    );

    let sorted = QueryAction {
        sort_by: Some("createDate"),
        sort_direction: Some("desc"),
        ..QueryAction::default()
    };
    let url = sdk_url("/vm-instances", &sorted, OKHTTP_3_ENCODE_SET);
    assert_eq!(url, "/zstack/v1/vm-instances?sort=-null");
    let (status, body) = get(&url);
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unknown-field")),
        "{body}"
    );
}

// ---- concurrency ---------------------------------------------------------------------------------

/// Many clients at once, each with its own values: every reply answers its own request.
#[test]
fn concurrent_requests_keep_their_parameters() {
    let (_, all) = get("/zstack/v1/vm-instances?fields=uuid,name&limit=200");
    let vms: Vec<(String, String)> = all["inventories"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["uuid"].as_str().expect("uuid").to_owned(),
                r["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect();
    assert_eq!(vms.len(), 200);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let vms = vms.clone();
            std::thread::spawn(move || {
                let agent = agent();
                let base = format!("http://{}", shared().addr());
                for (i, (uuid, name)) in vms.iter().enumerate().skip(t).step_by(8) {
                    // Alternate the two forms, so both code paths interleave.
                    let url = if i % 2 == 0 {
                        format!("{base}/zstack/v1/vm-instances?q=name={name}&q=uuid={uuid}&fields=uuid,name&limit={}", i + 1)
                    } else {
                        format!("{base}/zstack/v1/vm-instances/{uuid}?fields=name,uuid")
                    };
                    let text = agent
                        .get(&url)
                        .call()
                        .expect("answers")
                        .body_mut()
                        .read_to_string()
                        .expect("a body");
                    let body: Value = serde_json::from_str(&text).expect("JSON");
                    assert_eq!(
                        body,
                        json!({"inventories": [{"uuid": uuid, "name": name}]}),
                        "{url}"
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no client saw another's reply");
    }
}

// ---- the playground's JSON API -------------------------------------------------------------------

fn api(path: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let url = format!("http://{}{path}", shared().addr());
    let mut req = agent().get(&url);
    for (k, v) in params {
        req = req.query(*k, *v);
    }
    let mut resp = req.call().expect("answers");
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().expect("a body");
    (status, serde_json::from_str(&text).expect("JSON"))
}

#[test]
fn playground_api_completes_describes_and_compiles() {
    let (_, c) = api(
        "/api/complete",
        &[("resource", "vm-instances"), ("word", "vmN")],
    );
    assert_eq!(c, json!({"completions": ["vmNics."]}));
    let (_, c) = api(
        "/api/complete",
        &[("resource", "QueryVmInstance"), ("word", "state=Sto")],
    );
    assert_eq!(
        c,
        json!({"completions": ["state=Stopped", "state=Stopping"]})
    );
    let (_, f) = api(
        "/api/fields",
        &[("resource", "vm-instances"), ("path", "vmNics.")],
    );
    assert_eq!(f["inventory"], "VmNicInventory");
    let (status, f) = api(
        "/api/fields",
        &[("resource", "vm-instances"), ("path", "vmNics.nope.")],
    );
    assert_eq!(
        (status, f["code"].as_str()),
        (400, Some("unknown-relation"))
    );
    let (_, list) = api("/api/resources", &[]);
    assert!(
        list.as_array()
            .expect("a list")
            .iter()
            .any(|r| r["api"] == "QueryVmInstance" && r["path"] == "vm-instances")
    );

    let (status, out) = api(
        "/api/compile",
        &[
            ("resource", "vm-instances"),
            ("q", "name=vm1 vmNics.ip=10.0.0.5 limit=5"),
            ("dialect", "mysql"),
        ],
    );
    assert_eq!(status, 200, "{out}");
    // MySQL binds a text value twice: the indexed `_ci` test and the exact binary one (docs/dialects.md #1).
    assert_eq!(
        out["params"],
        json!(["vm1", "vm1", "10.0.0.5", "10.0.0.5", 5])
    );
    assert!(out["sql"].as_str().is_some_and(|s| s.contains("`VmNicVO`")));
    assert_eq!(
        out["forms"]["rest"],
        "/zstack/v1/vm-instances?q=name=vm1&q=vmNics.ip=10.0.0.5&limit=5"
    );
    assert_eq!(
        out["forms"]["cli"],
        "QueryVmInstance name=vm1 vmNics.ip=10.0.0.5 limit=5"
    );
    // Errors: the span indexes the box, not the `QueryVmInstance ` the server put in front.
    let (status, err) = api(
        "/api/compile",
        &[("resource", "vm-instances"), ("q", "name=x nmae=y")],
    );
    assert_eq!(status, 400);
    assert_eq!(err["span"], json!({"start": 7, "end": 11}));
    assert_eq!(err["hint"], "did you mean `name`?");
}

#[test]
fn playground_api_runs_pages_and_sorts() {
    let page = |start: &str| {
        let (status, out) = api(
            "/api/run",
            &[
                ("resource", "vm-instances"),
                ("q", "name~=web-1% fields=name"),
                ("start", start),
                ("limit", "4"),
                ("sort", "-name"),
            ],
        );
        assert_eq!(status, 200, "{out}");
        out
    };
    let first = page("0");
    let second = page("4");
    assert_eq!(
        first["rest"],
        "/zstack/v1/vm-instances?q=name~=web-1%25&limit=4&start=0&replyWithCount=true&sort=-name&fields=name"
    );
    let q = "q=name~=web-1%25&limit=8&replyWithCount=true&sort=-name&fields=name";
    let both = library("vm-instances", q);
    let rows = |v: &Value| v["inventories"].as_array().expect("rows").clone();
    assert_eq!(
        [rows(&first["reply"]), rows(&second["reply"])].concat(),
        rows(&both)
    );
    assert_eq!(first["reply"]["total"], both["total"]);
}

// ---- real clients: curl and the binary -----------------------------------------------------------

#[test]
fn curl_gets_the_reference_query() {
    let url = format!(
        "http://{}/zstack/v1/vm-instances?q=name~=web%25&q=vmNics.ip=10.0.0.5&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name",
        shared().addr()
    );
    let out = Command::new("curl")
        .args(["-s", "-g", "-w", "\n%{http_code}", &url])
        .output()
        .expect("curl runs (apt-get install curl)");
    let text = String::from_utf8_lossy(&out.stdout);
    let (body, code) = text.rsplit_once('\n').expect("body and status");
    assert_eq!(code, "200");
    assert_eq!(
        serde_json::from_str::<Value>(body).expect("JSON"),
        library(
            "vm-instances",
            "q=name~=web%25&q=vmNics.ip=10.0.0.5&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name"
        )
    );
}

/// `zstack-query serve` itself: started on port 0, found through its first line, asked with
/// curl, killed.
#[test]
fn the_binary_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zstack-query"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(demo_db())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stderr.take().expect("stderr"))
        .read_line(&mut line)
        .expect("a first line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    let out = Command::new("curl")
        .args([
            "-s",
            &format!("http://{addr}/zstack/v1/vm-instances?q=name=web-5&fields=name"),
        ])
        .output()
        .expect("curl runs");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).expect("JSON"),
        json!({"inventories": [{"name": "web-5"}]})
    );
}
