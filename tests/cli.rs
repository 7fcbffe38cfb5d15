//! The binary: exit codes, the caret on stderr, `sql --json`, `fields`, and the REPL's Tab
//! completion in a real pseudo-terminal.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zstack-query"))
}

fn temp_db(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("zq-test-{}-{name}.sqlite", std::process::id()))
}

#[test]
fn sql_json_gives_sql_params_and_count_sql() {
    let out = bin()
        .args([
            "sql",
            "vm-instances?q=name=vm1&replyWithCount=true&fields=uuid",
            "--dialect",
            "postgres",
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(
        v["sql"],
        r#"SELECT "t0"."uuid" FROM "VmInstanceVO" AS "t0" WHERE LOWER("t0"."name") = (LOWER($1 COLLATE "C")) ORDER BY "t0"."uuid" ASC LIMIT $2"#
    );
    assert_eq!(v["params"], serde_json::json!(["vm1", 1000]));
    assert_eq!(
        v["count_sql"],
        r#"SELECT COUNT(*) AS "count" FROM "VmInstanceVO" AS "t0" WHERE LOWER("t0"."name") = (LOWER($1 COLLATE "C"))"#
    );
}

#[test]
fn errors_exit_2_with_a_caret() {
    let out = bin()
        .args(["sql", "vm-instances?q=nmae=vm1"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err,
        "error[unknown-field]: VmInstanceInventory has no field `nmae`\n  | vm-instances?q=nmae=vm1\n  |                ^^^^\n  = hint: did you mean `name`?\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn run_creates_the_demo_and_answers() {
    let db = temp_db("run");
    let out = bin()
        .args(["run", "QueryVmInstance name=web-5 fields=name", "--db"])
        .arg(&db)
        .args(["--demo-size", "50"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON reply");
    assert_eq!(v, serde_json::json!({"inventories": [{"name": "web-5"}]}));
    let _ = std::fs::remove_file(db);
}

#[test]
fn fields_lists_the_point() {
    let out = bin()
        .args(["fields", "QueryVmInstance", "vmNics.", "--json"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["inventory"], "VmNicInventory");
    assert!(
        v["relations"]
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["name"] == "l3Network")
    );
}

/// Runs tmux with `args`, panicking with its stderr on failure (tmux must be installed: .ci/run
/// installs it).
fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(args)
        .output()
        .expect("tmux is installed (see .ci/run)");
    assert!(
        out.status.success(),
        "tmux {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Polls the pane until it shows `text` (the screen as rendered, so redraws do not matter).
fn wait_for(session: &str, text: &str) -> String {
    let mut screen = String::new();
    for _ in 0..100 {
        screen = tmux(&["capture-pane", "-t", session, "-p"]);
        if screen.contains(text) {
            return screen;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the pane never showed {text:?}; it shows:\n{screen}");
}

#[test]
fn repl_completes_with_tab() {
    let db = temp_db("repl");
    // Build the demo first so the shell starts at once.
    let status = bin()
        .args(["demo", "--demo-size", "20", "--db"])
        .arg(&db)
        .status()
        .expect("runs");
    assert!(status.success());
    let session = format!("zq-repl-{}", std::process::id());
    let cmd = format!(
        "{} repl --db {}",
        env!("CARGO_BIN_EXE_zstack-query"),
        db.display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "200",
        "-y",
        "40",
        &cmd,
    ]);
    wait_for(&session, "zstack>");
    tmux(&["send-keys", "-t", &session, "QueryVmInstance vmN", "Tab"]);
    let screen = wait_for(&session, "zstack> QueryVmInstance vmNics.");
    assert!(!screen.contains("vmNics.."), "{screen}");
    tmux(&[
        "send-keys",
        "-t",
        &session,
        "ip=10.0.0.5 fields=name",
        "Enter",
    ]);
    wait_for(&session, "(1 rows)");
    tmux(&["send-keys", "-t", &session, "\\q", "Enter"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", &session])
        .output();
    let _ = std::fs::remove_file(db);
}

#[test]
fn schema_graph_and_cycles() {
    let out = bin()
        .args(["schema", "--graph", "--resource", "VmNic"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let dot = String::from_utf8_lossy(&out.stdout);
    assert!(dot.starts_with("digraph zstack {"));
    assert!(
        dot.contains(r#""VmNic" -> "L3Network" [label="l3Network"];"#),
        "{dot}"
    );
    assert!(
        !dot.contains(r#""Zone" -> "Cluster""#),
        "only VmNic's neighbourhood"
    );
    let out = bin().args(["schema", "--cycles"]).output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.contains("VmInstance") && l.contains("VmNic")),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("strongly connected components with cycles")
    );
    let out = bin().args(["resources"]).output().expect("runs");
    let lines = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(lines >= 190, "{lines} resources with a Query API");
}
