//! The direct SQL writer (`emit::emit`) and the sea-query builder (`emit::emit_with_sea_query`)
//! write the same statements: text, parameters, columns and the placeholder map the shape cache
//! re-binds through. Checked here on every golden query and on a list that reaches each construct
//! of the writer, in every dialect, under both string comparisons and both path forms; the oracle
//! checks it on its random queries and the `compile` fuzz target on whatever it finds.

use std::sync::OnceLock;

use zstack_query::{Dialect, Engine};

use crate::support::{case_sensitive_engine, engine};

fn independent_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::builder()
            .independent_paths(true)
            .build()
            .expect("the embedded schema loads")
    })
}

/// Queries reaching every construct: each test on each field type, IN lists (one item, padded,
/// negated), LIKE on text, enums and timestamps, NULL tests, to-one and to-many hops, shared and
/// nested scopes, inheritance joins, `@Queryable` fields, tags (positive, negated, any), sorting
/// through one and two hops, groups, counts, `replyWithCount`, `start`.
const CONSTRUCTS: &[(&str, &str)] = &[
    (
        "vm-instances",
        "q=name~=web%25&q=vmNics.ip=10.0.0.5&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name",
    ),
    ("vm-instances", "q=name=vm1"),
    (
        "vm-instances",
        "q=name!=vm1&q=description>b&q=name<z&q=name>=a&q=name<=q",
    ),
    (
        "vm-instances",
        "q=state=Running&q=state!=Stopped&q=state>Running&q=state<=Stopped",
    ),
    (
        "vm-instances",
        "q=cpuNum>8&q=cpuNum<64&q=memorySize>=1024&q=memorySize<=8589934592&q=cpuNum=4&q=cpuNum!=3",
    ),
    (
        "vm-instances",
        "q=createDate>=2025-12-01&q=createDate<2026-01-01%2010:00:00&q=lastOpDate=2025-12-02%2001:02:03.5&q=lastOpDate!=2025-01-01",
    ),
    ("vm-instances", "q=name?=a&q=name!?=b,c,d,e,f"),
    (
        "vm-instances",
        "q=name?=a,b,c,d,e,f,g,h,i&q=state?=Running,Stopped&q=cpuNum!?=1,2,3",
    ),
    (
        "vm-instances",
        "q=createDate?=2025-12-01,2025-12-02%2000:00:01",
    ),
    (
        "vm-instances",
        "q=name~=%25web\\_%25&q=name!~=db%25&q=state~=Run%25&q=createDate~=2025-12%25&q=description!~=%25x%25",
    ),
    (
        "vm-instances",
        "q=name=null&q=description!=null&q=hostUuid is%20null&q=zoneUuid not%20null",
    ),
    (
        "vm-instances",
        "q=vmNics.ip=10.0.0.5&q=vmNics.l3Network.name=pub&q=vmNics.l3Network.l2Network.name~=l2%25",
    ),
    (
        "vm-instances",
        "q=vmNics.ip!=10.0.0.5&q=vmNics.ip?=a,b&q=vmNics.netmask=null",
    ),
    (
        "vm-instances",
        "q=vmNics.vmInstance.name=web-5&q=host.vmInstance.name=web-0",
    ),
    (
        "vm-instances",
        "q=zone.uuid=z&q=host.uuid?=a,b&q=cluster.name~=c%25",
    ),
    (
        "vm-instances",
        "q=vmNics.eip.vip.name=vip-1&q=vmNics.securityGroup.name=web",
    ),
    (
        "hosts",
        "q=hypervisorType=KVM&q=username=root&q=sshPort>22&sort=username",
    ),
    (
        "hosts",
        "q=totalCpuCapacity>=128&q=availableCpuCapacity<4&q=cpuSockets?=1,2",
    ),
    (
        "vm-instances",
        "q=host.hypervisorType=KVM&q=host.username=root&q=host.totalCpuCapacity>1&fields=name",
    ),
    ("clusters", "q=l2Network.name=l2-1-0"),
    (
        "backup-storage",
        "q=attachedZoneUuids=z1&q=attachedZoneUuids?=a,b",
    ),
    (
        "vm-instances",
        "q=__systemTag__=ha::NeverStop&q=__userTag__~=prod%25&q=__systemTag__!=x",
    ),
    (
        "vm-instances",
        "q=__systemTag__!?=a,b&q=__userTag__!~=t%25&q=__systemTag__=null&q=__userTag__!=null",
    ),
    (
        "vm-instances",
        "q=__systemTag__?=a,b&q=host.__systemTag__=nosuchtag&q=vmNics.__userTag__~=n%25",
    ),
    ("vm-instances", "sort=zone.name&limit=5"),
    (
        "vm-instances",
        "sort=-zone.name,cpuNum,-uuid&limit=5&start=10",
    ),
    (
        "vm-instances/nics",
        "sort=vmInstance.zone.name,-vmInstance.cpuNum&q=vmInstance.zone.name~=z%25",
    ),
    ("vm-instances", "sort=host.name,-host.managementIp"),
    ("vm-instances", "groupBy=state"),
    ("vm-instances", "groupBy=state&count=true"),
    (
        "vm-instances",
        "groupBy=state&groupBy=cpuNum&sort=-state&q=name~=web%25&limit=3&start=1",
    ),
    (
        "vm-instances",
        "q=name?=web-5,Web-Prod-1,db-6&groupBy=name&count=true",
    ),
    ("vm-instances", "count=true&q=state=Running"),
    (
        "vm-instances",
        "count=true&replyWithCount=true&q=vmNics.ip=1",
    ),
    (
        "vm-instances",
        "replyWithCount=true&q=name~=web%25&q=vmNics.ip?=1,2&sort=name&start=3&limit=2",
    ),
    ("vm-instances", "q=uuid=x&sort=uuid"),
    (
        "l3-networks",
        "q=ipRanges.startIp=10.0.0.1&q=l2Network.zone.name=z&sort=-name",
    ),
    (
        "volumes",
        "q=vmInstance.name=web-1&q=size>1&q=format=qcow2&sort=-size",
    ),
    ("eips", "q=vip.ip=1.2.3.4&q=vmNic.vmInstance.name~=web%25"),
];

fn all_engines() -> [(&'static str, &'static Engine); 3] {
    [
        ("default", engine()),
        ("case-sensitive", case_sensitive_engine()),
        ("independent paths", independent_engine()),
    ]
}

/// Compares the two emitters on `query`; returns false when the query does not resolve.
fn same_statements(name: &str, e: &Engine, resource: Option<&str>, query: &str) -> bool {
    let Ok(plan) = e.plan(resource, query) else {
        return false;
    };
    for d in Dialect::ALL {
        let direct = zstack_query::emit::emit(&plan, e.schema(), d);
        let built = zstack_query::emit::emit_with_sea_query(&plan, e.schema(), d);
        assert_eq!(
            direct, built,
            "{name} engine, {d}, {resource:?} {query}:\n direct: {}\n  built: {}",
            direct.main.text, built.main.text
        );
    }
    true
}

#[test]
fn the_writer_writes_what_sea_query_writes_for_each_construct() {
    let mut unresolved = Vec::new();
    for (name, e) in all_engines() {
        for (resource, query) in CONSTRUCTS {
            if !same_statements(name, e, Some(resource), query) {
                let err = e.plan(Some(resource), query).err().map(|e| e.to_string());
                unresolved.push(format!("{name}: {resource} {query}: {err:?}"));
            }
        }
    }
    assert!(unresolved.is_empty(), "{}", unresolved.join("\n"));
}

#[test]
fn the_writer_writes_what_sea_query_writes_for_every_golden_query() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut compared = 0;
    for entry in std::fs::read_dir(dir).expect("tests/golden") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("golden file");
        let file: toml::Value = toml::from_str(&text).expect("golden toml");
        for case in file["case"].as_array().expect("cases") {
            let query = case["query"].as_str().expect("query");
            let resource = case.get("resource").and_then(|r| r.as_str());
            for (name, e) in all_engines() {
                compared += usize::from(same_statements(name, e, resource, query));
            }
        }
    }
    assert!(compared > 150, "only {compared} golden plans compared");
}
