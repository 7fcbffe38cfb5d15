//! The engine's answers on the demo database, checked against independent hand-written SQL.

use serde_json::Value;
use zstack_query::{Engine, Reply};

use crate::support::{engine, scalar, with_demo};

fn run(q: &str) -> Reply {
    with_demo(|c| engine().run(c, None, q)).unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn run_with(e: &Engine, q: &str) -> Reply {
    with_demo(|c| e.run(c, None, q)).unwrap_or_else(|err| panic!("{q}: {err}"))
}

fn names(r: &Reply) -> Vec<String> {
    r.inventories
        .as_ref()
        .expect("inventories")
        .iter()
        .map(|row| {
            row.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

fn uuids(r: &Reply) -> Vec<String> {
    r.inventories
        .as_ref()
        .expect("inventories")
        .iter()
        .map(|row| row["uuid"].as_str().expect("uuid").to_owned())
        .collect()
}

fn count(q: &str) -> i64 {
    run(&format!("{q}&count=true")).total.expect("total") as i64
}

#[test]
fn to_many_hop_returns_each_root_once() {
    let ip = "10.0.0.5";
    let expected = scalar(&format!(
        "SELECT COUNT(DISTINCT vmInstanceUuid) FROM VmNicVO WHERE ip = '{ip}'"
    ));
    assert!(expected >= 1);
    let r = run(&format!("vm-instances?q=vmNics.ip={ip}"));
    let u = uuids(&r);
    let mut dedup = u.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(u.len(), dedup.len(), "no duplicate roots");
    assert_eq!(u.len() as i64, expected);
}

#[test]
fn shared_to_many_prefix_binds_the_same_row_unless_independent() {
    let q = "vm-instances?q=vmNics.l3Network.name=pub&q=vmNics.deviceId=1";
    let same = scalar(
        "SELECT COUNT(DISTINCT n.vmInstanceUuid) FROM VmNicVO n JOIN L3NetworkVO l ON l.uuid = n.l3NetworkUuid \
         WHERE l.name = 'pub' AND n.deviceId = 1",
    );
    let independent = scalar(
        "SELECT COUNT(*) FROM VmInstanceVO v WHERE v.uuid IN (SELECT n.vmInstanceUuid FROM VmNicVO n JOIN L3NetworkVO l \
         ON l.uuid = n.l3NetworkUuid WHERE l.name = 'pub') AND v.uuid IN (SELECT vmInstanceUuid FROM VmNicVO WHERE deviceId = 1)",
    );
    // The demo puts a VM's first NIC on its zone's first network, so the two readings differ.
    assert_ne!(same, independent);
    assert_eq!(count(q), same);
    let zstack_form = Engine::builder()
        .independent_paths(true)
        .build()
        .expect("engine");
    let r = run_with(&zstack_form, &format!("{q}&count=true"));
    assert_eq!(r.total, Some(independent as u64));
}

#[test]
fn negative_operator_through_to_many_is_existential() {
    let expected = scalar("SELECT COUNT(DISTINCT vmInstanceUuid) FROM VmNicVO WHERE deviceId != 0");
    assert_eq!(count("vm-instances?q=vmNics.deviceId!=0"), expected);
}

#[test]
fn string_comparison_ignores_ascii_case() {
    assert_eq!(
        count("vm-instances?q=state=running"),
        count("vm-instances?q=state=Running")
    );
    assert_eq!(
        names(&run("vm-instances?q=name=web-prod-1")),
        vec!["Web-Prod-1"]
    );
    assert_eq!(
        count("vm-instances?q=name~=WEB-%25"),
        scalar("SELECT COUNT(*) FROM VmInstanceVO WHERE lower(name) LIKE 'web-%'")
    );
}

#[test]
fn like_escapes_are_literal() {
    assert_eq!(names(&run("vm-instances?q=name~=my\\_vm")), vec!["my_vm"]);
    assert_eq!(names(&run("vm-instances?q=name~=my\\%25vm")), vec!["my%vm"]);
    let mut both = names(&run("vm-instances?q=name~=my_vm"));
    both.sort();
    assert_eq!(both, vec!["my%vm", "my_vm"]);
}

#[test]
fn null_tests() {
    assert_eq!(
        count("vm-instances?q=description=null"),
        scalar("SELECT COUNT(*) FROM VmInstanceVO WHERE description IS NULL")
    );
    assert_eq!(
        count("vm-instances?q=hostUuid!=null"),
        scalar("SELECT COUNT(*) FROM VmInstanceVO WHERE hostUuid IS NOT NULL")
    );
    assert_eq!(
        count("vm-instances?q=hostUuid%20is%20null"),
        count("vm-instances?q=hostUuid=null")
    );
}

#[test]
fn removed_cycle_means_same_row_with_a_related_row() {
    let with_cycle = run("vm-instances?q=vmNics.vmInstance.name=web-5");
    let plain = run("vm-instances?q=name=web-5&q=vmNics.uuid!=null");
    assert_eq!(uuids(&with_cycle), uuids(&plain));
    assert_eq!(names(&with_cycle), vec!["web-5"]);
}

#[test]
fn kept_cycle_finds_vms_sharing_a_host() {
    let expected = scalar(
        "SELECT COUNT(*) FROM VmInstanceVO v WHERE v.hostUuid IN (SELECT h.uuid FROM HostVO h WHERE h.uuid IN \
         (SELECT w.hostUuid FROM VmInstanceVO w WHERE w.name = 'web-0'))",
    );
    assert!(
        expected >= 2,
        "web-0 shares its host with other VMs in the demo"
    );
    assert_eq!(count("vm-instances?q=host.vmInstance.name=web-0"), expected);
}

#[test]
fn tags_positive_and_negative() {
    let has =
        scalar("SELECT COUNT(DISTINCT resourceUuid) FROM SystemTagVO WHERE tag = 'ha::NeverStop'");
    assert_eq!(count("vm-instances?q=__systemTag__=ha::NeverStop"), has);
    let no_prod = scalar(
        "SELECT COUNT(*) FROM VmInstanceVO WHERE uuid NOT IN (SELECT resourceUuid FROM UserTagVO WHERE tag = 'prod')",
    );
    assert_eq!(count("vm-instances?q=__userTag__!=prod"), no_prod);
    let untagged = scalar(
        "SELECT COUNT(*) FROM VmInstanceVO WHERE uuid NOT IN (SELECT resourceUuid FROM UserTagVO)",
    );
    assert_eq!(count("vm-instances?q=__userTag__=null"), untagged);
}

#[test]
fn paging_is_stable_and_complete() {
    let all = uuids(&run("vm-instances?sort=cpuNum&limit=10000"));
    let mut paged = Vec::new();
    for start in (0..all.len()).step_by(37) {
        paged.extend(uuids(&run(&format!(
            "vm-instances?sort=cpuNum&limit=37&start={start}"
        ))));
    }
    assert_eq!(paged, all);
    // Ties on cpuNum are broken by uuid ascending.
    let expected: Vec<String> = with_demo(|c| {
        let mut s = c
            .prepare("SELECT uuid FROM VmInstanceVO ORDER BY cpuNum, uuid")
            .expect("prepares");
        s.query_map([], |r| r.get(0))
            .expect("runs")
            .map(|r| r.expect("row"))
            .collect()
    });
    assert_eq!(all, expected);
}

#[test]
fn reply_with_count_counts_all_matches() {
    let r = run("vm-instances?q=state=Running&replyWithCount=true&limit=3");
    assert_eq!(r.inventories.as_ref().map(Vec::len), Some(3));
    assert_eq!(
        r.total,
        Some(scalar("SELECT COUNT(*) FROM VmInstanceVO WHERE state = 'Running'") as u64)
    );
}

#[test]
fn group_by_counts_sum_to_the_total() {
    let r = run("vm-instances?groupBy=state&count=true");
    let groups = r.inventory_counts.expect("inventoryCounts");
    let sum: i64 = groups
        .iter()
        .map(|g| g["count"].as_i64().expect("count"))
        .sum();
    assert_eq!(Some(sum as u64), r.total);
    assert_eq!(sum, scalar("SELECT COUNT(*) FROM VmInstanceVO"));
    let running = groups
        .iter()
        .find(|g| g["state"] == "Running")
        .expect("a Running group");
    assert_eq!(
        running["count"].as_i64(),
        Some(scalar(
            "SELECT COUNT(*) FROM VmInstanceVO WHERE state = 'Running'"
        ))
    );
}

#[test]
fn type_switch_returns_child_fields() {
    let r = run("hosts?q=hypervisorType=KVM&limit=2");
    let rows = r.inventories.expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["username"], "root");
    assert_eq!(rows[0]["sshPort"], 22);
}

#[test]
fn sort_by_to_one_path() {
    let r = run("vm-instances?sort=-zone.name&limit=3&fields=uuid,zoneUuid");
    let z3 = scalar("SELECT COUNT(*) FROM ZoneVO WHERE name = 'z3'");
    assert_eq!(z3, 1);
    let rows = r.inventories.expect("rows");
    let zone_of_first: String = with_demo(|c| {
        c.query_row(
            "SELECT name FROM ZoneVO WHERE uuid = ?",
            [rows[0]["zoneUuid"].as_str().expect("zoneUuid")],
            |r| r.get(0),
        )
        .expect("zone exists")
    });
    assert_eq!(zone_of_first, "z3");
}

#[test]
fn values_are_data_not_sql() {
    assert_eq!(names(&run("vm-instances?q=name=O'Brien")), vec!["O'Brien"]);
    assert_eq!(count("vm-instances?q=name=x'%20OR%20'1'='1"), 0);
    assert_eq!(
        count("vm-instances?q=name=web-5;%20DROP%20TABLE%20VmInstanceVO"),
        0
    );
    assert!(scalar("SELECT COUNT(*) FROM VmInstanceVO") > 0);
}

#[test]
fn three_forms_give_the_same_rows() {
    let rest = uuids(&run(
        "vm-instances?q=name~=web%25&q=cpuNum>=2&limit=5&sort=-createDate",
    ));
    let cli = uuids(&run(
        "QueryVmInstance name~=web% cpuNum>=2 limit=5 sortBy=createDate sortDirection=desc",
    ));
    let json = uuids(&run(
        r#"{"api":"QueryVmInstance","conditions":[{"name":"name","op":"like","value":"web%"},{"name":"cpuNum","op":">=","value":"2"}],"limit":5,"sortBy":"createDate","sortDirection":"desc"}"#,
    ));
    assert_eq!(rest, cli);
    assert_eq!(rest, json);
    assert_eq!(rest.len(), 5);
}
