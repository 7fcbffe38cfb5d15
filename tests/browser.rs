//! The playground in a real browser: Debian's headless Chromium driven through chromedriver
//! (W3C WebDriver over loopback HTTP, with the same small HTTP client as the server tests).
//!
//! These tests fail, loudly, when `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing:
//! `apt-get install -y chromium chromium-driver` (`.ci/run` does it). Set `ZQ_SCREENSHOT=path.png`
//! to save the page after a real query (that is how `docs/playground.png` is made).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{demo_db, shared};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// W3C WebDriver's element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One browser at a time: each is a few hundred MB and the machine has two cores.
static BROWSER: Mutex<()> = Mutex::new(());

/// A chromedriver process with one Chromium session; both end when dropped.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    profile: std::path::PathBuf,
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn call(method: &str, url: &str, body: Option<&Value>) -> Value {
    let agent = agent();
    let mut resp = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, Some(b)) => agent
            .post(url)
            .content_type("application/json")
            .send(b.to_string()),
        (_, None) => agent.post(url).content_type("application/json").send("{}"),
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().expect("a body");
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert!(status < 400, "{method} {url} → {status}: {text}");
    v["value"].clone()
}

impl Browser {
    fn start() -> Browser {
        let guard = BROWSER
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: the playground's browser tests need Debian's headless Chromium \
                 (apt-get install -y {package})"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = agent()
                .get(&format!("{base}/status"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .is_some_and(|t| t.contains("\"ready\":true"));
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile =
            std::env::temp_dir().join(format!("zq-chromium-{}-{port}", std::process::id()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1400,1250",
                         format!("--user-data-dir={}", profile.display())],
            }
        }}});
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            profile,
            _one_at_a_time: guard,
        };
        let v = call("POST", &format!("{}/session", browser.base), Some(&caps));
        browser.session = v["sessionId"].as_str().expect("a session id").to_owned();
        browser
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/session/{}{tail}", self.base, self.session)
    }

    fn open(&self, path: &str) {
        let url = format!("http://{}{path}", shared().addr());
        call("POST", &self.url("/url"), Some(&json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = call(
            "POST",
            &self.url("/element"),
            Some(&json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        call("POST", &self.url(&format!("/element/{e}/click")), None);
    }

    /// Types like a user (key events, so the page's input handlers run).
    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        call(
            "POST",
            &self.url(&format!("/element/{e}/value")),
            Some(&json!({ "text": text })),
        );
    }

    fn clear(&self, css: &str) {
        let e = self.find(css);
        call("POST", &self.url(&format!("/element/{e}/clear")), None);
    }

    fn script(&self, js: &str) -> Value {
        call(
            "POST",
            &self.url("/execute/sync"),
            Some(&json!({"script": js, "args": []})),
        )
    }

    fn text(&self, css: &str) -> String {
        let js = format!(
            "const e = document.querySelector({}); return e ? e.textContent : null;",
            json!(css)
        );
        self.script(&js).as_str().unwrap_or_default().to_owned()
    }

    /// Polls `js` (a function body returning a value) until it returns something truthy.
    fn wait_for(&self, what: &str, js: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let v = self.script(js);
            if !(v.is_null() || v == json!(false) || v == json!("")) {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The table's rows as `{column: text}` objects.
    fn rows(&self) -> Vec<Value> {
        let v = self.script(
            "const cols = [...document.querySelectorAll('#rows th')].map(th => th.dataset.col);
             return [...document.querySelectorAll('#rows tbody tr')].map(tr =>
               Object.fromEntries([...tr.cells].map((td, i) => [cols[i], td.textContent])));",
        );
        v.as_array().cloned().unwrap_or_default()
    }

    fn screenshot(&self, path: &Path) {
        let v = call("GET", &self.url("/screenshot"), None);
        let png = base64_decode(v.as_str().expect("base64 PNG"));
        std::fs::write(path, png).expect("the screenshot is written");
    }

    /// Sets the query box and waits until the page has compiled exactly that text.
    fn query(&self, words: &str) {
        self.clear("#query");
        self.type_into("#query", words);
        self.wait_for(
            "the live output",
            "return document.body.dataset.compiled === document.querySelector('#query').value;",
        );
    }

    fn ready(&self) {
        self.open("/");
        self.wait_for(
            "the page to load its resources and compile",
            "return document.querySelectorAll('#resource option').length > 50
                    && document.querySelector('#sql').textContent.length > 0;",
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = agent()
                .delete(&format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| !matches!(c, b'=' | b'\n' | b'\r'))
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | (u32::from(val(c)) << (18 - 6 * i)));
        let keep = chunk.len() - 1;
        out.extend_from_slice(&n.to_be_bytes()[1..=keep]);
    }
    out
}

/// `zstack-query run '<line>' --db <the server's database>`: the CLI's reply.
fn cli_run(line: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_zstack-query"))
        .args(["run", line, "--db"])
        .arg(demo_db())
        .output()
        .expect("the CLI runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON reply")
}

/// The CLI's rows as the table shows them (every value as text).
fn as_cells(reply: &Value) -> Vec<Value> {
    reply["inventories"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let obj = r.as_object().expect("an object");
            Value::Object(
                obj.iter()
                    .map(|(k, v)| {
                        let t = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), Value::String(t))
                    })
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn typing_vmn_offers_vmnics() {
    let b = Browser::start();
    b.ready();
    b.type_into("#query", "vmN");
    let items = b.wait_for(
        "completions",
        "const li = [...document.querySelectorAll('#completions li')].map(l => l.textContent);
         return !document.querySelector('#completions').hidden && li.length ? li : null;",
    );
    assert_eq!(items, json!(["vmNics."]));
    // Tab accepts it, and completion goes on after the dot.
    b.type_into("#query", "\u{E004}");
    b.wait_for(
        "the next completions",
        "return document.querySelector('#query').value === 'vmNics.'
                && [...document.querySelectorAll('#completions li')].some(l => l.textContent === 'vmNics.l3Network.');",
    );
}

#[test]
fn a_valid_query_shows_sql_and_runs_like_the_cli() {
    let b = Browser::start();
    b.ready();
    b.query(
        "name~=web-1% vmNics.l3Network.name~=pub% state=Running fields=uuid,name,cpuNum sortBy=name sortDirection=desc",
    );
    let sql = b.text("#sql");
    assert!(
        sql.starts_with(r#"SELECT "t0"."uuid", "t0"."name", "t0"."cpuNum" FROM "VmInstanceVO""#),
        "{sql}"
    );
    assert!(b.text("#error").is_empty());
    assert_eq!(b.text("#params"), r#"["web-1%","Running","pub%",1000]"#);
    assert_eq!(
        b.text("#form-rest"),
        "/zstack/v1/vm-instances?q=name~=web-1%25&q=vmNics.l3Network.name~=pub%25&q=state=Running&sort=-name&fields=uuid,name,cpuNum"
    );
    b.click("#run");
    b.wait_for(
        "rows",
        "return document.querySelectorAll('#rows tbody tr').length > 0;",
    );
    let cli = cli_run(
        "QueryVmInstance name~=web-1% vmNics.l3Network.name~=pub% state=Running fields=uuid,name,cpuNum sortBy=name sortDirection=desc limit=20 replyWithCount=true",
    );
    assert_eq!(b.rows(), as_cells(&cli));
    assert_eq!(
        b.text("#page-info"),
        format!(
            "rows 1–{} of {}",
            cli["inventories"].as_array().map_or(0, Vec::len),
            cli["total"]
        )
    );
    // Another dialect, live.
    b.script("const d = document.querySelector('#dialect'); d.value = 'postgres'; d.dispatchEvent(new Event('change'));");
    b.wait_for(
        "PostgreSQL SQL",
        "return document.querySelector('#sql').textContent.includes('LIKE (LOWER($1 COLLATE \"C\"))');",
    );
    if let Some(path) = std::env::var_os("ZQ_SCREENSHOT") {
        b.screenshot(Path::new(&path));
    }
}

#[test]
fn a_misspelled_field_shows_the_error_with_its_hint() {
    let b = Browser::start();
    b.ready();
    b.query("state=Running vmNics.l3Netwrok.name=pub");
    assert_eq!(
        b.text("#error .message"),
        "error[unknown-relation]: VmNicInventory has no relation `l3Netwrok`"
    );
    assert_eq!(b.text("#error .hint"), "hint: did you mean `l3Network`?");
    // The caret sits under `l3Netwrok` (columns 21..30 of the box).
    assert_eq!(
        b.text("#caret"),
        format!("{}{}", " ".repeat(21), "^".repeat(9))
    );
    assert_eq!(
        b.script("return document.querySelector('#run').disabled;"),
        json!(true)
    );
}

#[test]
fn paging_and_sorting_move_through_the_rows() {
    let b = Browser::start();
    b.ready();
    b.script("document.querySelector('#page-size').value = '5';");
    b.query("name~=web-% fields=name,cpuNum");
    b.click("#run");
    b.wait_for(
        "page 1",
        "return document.querySelector('#page-info').textContent.startsWith('rows 1–5 of');",
    );
    let all =
        cli_run("QueryVmInstance name~=web-% fields=name,cpuNum limit=15 replyWithCount=true");
    let cells = as_cells(&all);
    assert_eq!(b.rows(), cells[0..5]);
    b.click("#next");
    b.wait_for(
        "page 2",
        "return document.querySelector('#page-info').textContent.startsWith('rows 6–10 of');",
    );
    assert_eq!(b.rows(), cells[5..10]);
    b.click("#next");
    b.wait_for(
        "page 3",
        "return document.querySelector('#page-info').textContent.startsWith('rows 11–15 of');",
    );
    assert_eq!(b.rows(), cells[10..15]);
    b.click("#prev");
    b.wait_for(
        "page 2 again",
        "return document.querySelector('#page-info').textContent.startsWith('rows 6–10 of');",
    );
    assert_eq!(b.rows(), cells[5..10]);
    // Clicking a column sorts by it (ascending, then descending), from the first page.
    b.click("#rows th[data-col='cpuNum']");
    b.wait_for(
        "sorted",
        "return document.querySelector('#rows th.sorted-asc') !== null;",
    );
    let sorted = cli_run(
        "QueryVmInstance name~=web-% fields=name,cpuNum limit=5 sortBy=cpuNum sortDirection=asc",
    );
    assert_eq!(b.rows(), as_cells(&sorted));
    b.click("#rows th[data-col='cpuNum']");
    b.wait_for(
        "sorted desc",
        "return document.querySelector('#rows th.sorted-desc') !== null;",
    );
    let sorted = cli_run(
        "QueryVmInstance name~=web-% fields=name,cpuNum limit=5 sortBy=cpuNum sortDirection=desc",
    );
    assert_eq!(b.rows(), as_cells(&sorted));
}

#[test]
fn the_relation_graph_and_the_copy_forms() {
    let b = Browser::start();
    b.ready();
    let nodes = b.wait_for(
        "the graph",
        "const n = [...document.querySelectorAll('#graph .node')].map(g => g.dataset.relation);
         return n.length ? n : null;",
    );
    let nodes = nodes.as_array().expect("nodes").clone();
    assert!(
        nodes.contains(&json!("vmNics")) && nodes.contains(&json!("zone")),
        "{nodes:?}"
    );
    assert_eq!(b.text("#graph-title"), "VmInstanceInventory");
    b.query("name=vm1 limit=3");
    assert_eq!(b.text("#form-cli"), "QueryVmInstance name=vm1 limit=3");
    assert!(
        b.text("#form-curl")
            .starts_with("curl -s 'http://127.0.0.1:")
    );
    let sdk: Value = serde_json::from_str(&b.text("#form-sdk")).expect("SDK JSON");
    assert_eq!(
        sdk,
        json!({"api": "QueryVmInstance", "conditions": [{"name": "name", "op": "=", "value": "vm1"}], "limit": 3})
    );
    // Clicking a relation starts a path with it.
    b.clear("#query");
    b.script("document.querySelector('#graph .node[data-relation=\"zone\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}));");
    b.wait_for(
        "the path",
        "return document.querySelector('#query').value === 'zone.';",
    );
}
