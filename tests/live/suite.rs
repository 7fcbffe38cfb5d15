//! The fixed differential suite: every operator × field type, nulls, IN lists, LIKE with `%`, `_`
//! and escaped wildcards, to-one and to-many paths up to 4 hops (generated from the schema's
//! relation graph around VmInstance), aliases, cycles, tags, the type switch, sorts with ties,
//! paging, count, replyWithCount and groupBy. Deterministic: the same list on every run.

use std::collections::BTreeSet;

use rusqlite::Connection;
use zstack_query::schema::{FieldType, ResourceId, Schema};

/// `%` and spaces and `\` percent-encoded for the REST form.
fn enc(v: &str) -> String {
    let mut out = String::new();
    for c in v.chars() {
        match c {
            '%' => out.push_str("%25"),
            ' ' => out.push_str("%20"),
            '\t' => out.push_str("%09"),
            '&' => out.push_str("%26"),
            '#' => out.push_str("%23"),
            '+' => out.push_str("%2B"),
            _ => out.push(c),
        }
    }
    out
}

const CMP: [&str; 6] = ["=", "!=", ">", "<", ">=", "<="];

pub fn queries(schema: &Schema, sqlite: &Connection) -> Vec<String> {
    let mut q: Vec<String> = Vec::new();
    let vm = "vm-instances";
    let page = "sort=name&limit=40&replyWithCount=true";

    // Strings: case, trailing and leading spaces, punctuation between `Z` and `a`.
    for v in [
        "web-5", "WEB-5", "trail", "trail ", " trail", "TRAIL", "a", "a ", "abc", "A_C", "a[b]c",
        "a^c", "zz_last", "ZZA", "m", "Case_Mix", "nosuch",
    ] {
        for op in CMP {
            q.push(format!("{vm}?q=name{op}{}&{page}", enc(v)));
        }
    }
    for v in ["edge", "EDGE ", "", "a\\b", "ABC", "100%"] {
        for op in ["=", "!=", ">", "<="] {
            q.push(format!("{vm}?q=description{op}{}&{page}", enc(v)));
        }
    }
    // IN lists.
    for list in [
        "web-5,WEB-6,trail ,nosuch",
        "trail,a",
        "A,ABC,abd",
        "Case_Mix,case-mix",
        "x",
    ] {
        q.push(format!("{vm}?q=name?={}&{page}", enc(list)));
        q.push(format!("{vm}?q=name!?={}&{page}", enc(list)));
    }
    q.push(format!("{vm}?q=description?=edge,ABC,&{page}"));
    q.push(format!("{vm}?q=description!?=edge,ABC&{page}"));
    // LIKE: `%`, `_`, escaped wildcards, backslashes, case.
    for p in [
        "web-1%",
        "WEB-1%",
        "%_vm",
        "my\\_vm",
        "my\\%vm",
        "my_vm",
        "%trail",
        "trail_",
        "trail",
        "%a%",
        "%\\\\%",
        "under\\\\score",
        "a_c",
        "a\\_c",
        "%[%",
        "_",
        "%",
        "web-1_",
        "%-1",
        "case%mix",
        "a\\b",
        "%\\",
        "%^%",
        "%`%",
        "%\t%",
    ] {
        q.push(format!("{vm}?q=name~={}&{page}", enc(p)));
        q.push(format!("{vm}?q=name!~={}&{page}", enc(p)));
    }
    for p in ["%e%", "demo vm 1%", "%\\%", "a\\\\b", "%\\\\\\\\%"] {
        q.push(format!("{vm}?q=description~={}&{page}", enc(p)));
        q.push(format!("{vm}?q=description!~={}&{page}", enc(p)));
    }
    // Nulls.
    for c in [
        "description=null",
        "description!=null",
        "hostUuid=null",
        "hostUuid!=null",
        "hostUuid%20is%20null",
        "hostUuid%20not%20null",
        "cpuNum=null",
        "cpuNum!=null",
        "host.name=null",
        "host.name!=null",
        "zone.uuid=null",
    ] {
        q.push(format!("{vm}?q={c}&{page}"));
    }
    // Enums: canonical spelling bound, case ignored, ranges and LIKE fold case.
    for v in [
        "Running",
        "running",
        "STOPPED",
        "Paused",
        "Destroyed",
        "Error",
    ] {
        for op in CMP {
            q.push(format!("{vm}?q=state{op}{v}&{page}"));
        }
    }
    for c in [
        "state?=Running,stopped",
        "state!?=Running,Stopped",
        "state~=run%25",
        "state~=%25ED",
        "state!~=%25p%25",
        "state~=_aused",
    ] {
        q.push(format!("{vm}?q={c}&{page}"));
    }
    // Integers.
    for v in ["0", "1", "2", "4", "8", "-1", "9223372036854775807"] {
        for op in CMP {
            q.push(format!("{vm}?q=cpuNum{op}{v}&{page}"));
        }
    }
    q.push(format!("{vm}?q=cpuNum?=1,2,16&{page}"));
    q.push(format!("{vm}?q=cpuNum!?=1,2,16&{page}"));
    for v in ["1073741824", "4294967296", "17179869184"] {
        for op in ["=", ">", "<="] {
            q.push(format!("{vm}?q=memorySize{op}{v}&{page}"));
        }
    }
    // Floats (and integer-valued floats).
    for v in ["1", "1.5", "-2.25", "0", "1e10", "3.0"] {
        for op in CMP {
            q.push(format!(
                "zwatch/alarms?q=threshold{op}{v}&sort=threshold&replyWithCount=true"
            ));
        }
    }
    q.push("zwatch/alarms?q=threshold?=1,3,0.5&sort=-threshold".into());
    q.push("zwatch/alarms?q=threshold=null".into());
    q.push("zwatch/alarms?sort=-threshold&limit=3&start=1".into());
    q.push("zwatch/alarms?groupBy=threshold&count=true".into());
    q.push("zwatch/alarms?groupBy=period".into());
    // Timestamps: dates, times, fractions, LIKE on the text form.
    for v in [
        "2024-06-01",
        "2024-06-01 12:00:00",
        "2024-06-01 12:00:00.5",
        "2024-06-01T12:00:00.25Z",
        "2025-12-31 23:59:59",
        "2025-01-01",
    ] {
        for op in CMP {
            q.push(format!(
                "{vm}?q=createDate{op}{}&sort=createDate&limit=40&replyWithCount=true",
                enc(v)
            ));
        }
    }
    for p in [
        "2024-06-%",
        "%:00",
        "2024-06-01 12:00:00",
        "2024-06-01 12:00:00.5",
        "%.5",
        "%.999",
        "2025-12-31 23:59:59%",
        "____-06-01%",
    ] {
        q.push(format!(
            "{vm}?q=createDate~={}&sort=createDate&replyWithCount=true",
            enc(p)
        ));
        q.push(format!(
            "{vm}?q=createDate!~={}&sort=createDate&limit=20&replyWithCount=true",
            enc(p)
        ));
    }
    q.push(format!(
        "{vm}?q=createDate?=2024-06-01%2012:00:00,2024-06-01%2012:00:00.5&sort=createDate"
    ));
    // Booleans.
    for c in [
        "isShareable=true",
        "isShareable=false",
        "isShareable!=true",
        "isShareable=TRUE",
        "isShareable?=true,false",
        "isShareable=null",
    ] {
        q.push(format!(
            "volumes?q={c}&sort=name&limit=30&replyWithCount=true"
        ));
    }
    q.push("zones?q=isDefault=true".into());
    q.push("zones?sort=-isDefault".into());
    q.push(format!("{vm}?q=allVolumes.isShareable=true&{page}"));
    q.push(format!("{vm}?q=allVolumes.isShareable!=true&{page}"));
    q.push("l3-networks?q=system=false&q=enableIPAM=true&sort=name".into());

    // Tags: positive, negative, null, case, LIKE, IN, ranges.
    for c in [
        "__systemTag__=ha::NeverStop",
        "__systemTag__=HA::NEVERSTOP",
        "__systemTag__!=ha::NeverStop",
        "__systemTag__~=ha::%25",
        "__systemTag__!~=%25stop",
        "__systemTag__=null",
        "__systemTag__!=null",
        "__userTag__=prod",
        "__userTag__=PROD",
        "__userTag__!=prod",
        "__userTag__?=prod,dev",
        "__userTag__!?=prod,dev",
        "__userTag__~=pr_d",
        "__userTag__~=pr\\_d",
        "__userTag__>dev",
        "__userTag__<=dev",
        "__userTag__=null",
        "__userTag__!=null",
        "__userTag__=prod%20",
    ] {
        q.push(format!("{vm}?q={c}&{page}"));
    }
    q.push(format!(
        "{vm}?q=__userTag__=prod&q=__systemTag__=ha::NeverStop&{page}"
    ));
    q.push(
        "vm-instances/nics?q=vmInstance.__userTag__=dev&sort=ip&limit=30&replyWithCount=true"
            .into(),
    );

    // Type switch.
    for c in [
        "hypervisorType=KVM",
        "hypervisorType=kvm&q=username=root",
        "hypervisorType=KVM&q=sshPort=22",
        "hypervisorType=KVM&q=sshPort>22",
        "hypervisorType=KVM&q=osVersion~=7.%25",
        "hypervisorType=KVM&q=vmInstance.name~=web%25",
        "hypervisorType=KVM&q=totalCpuCapacity>=64",
        "hypervisorType=KVM&q=status=Disconnected",
    ] {
        q.push(format!(
            "hosts?q={c}&sort=name&limit=20&replyWithCount=true"
        ));
    }
    q.push("hosts?q=totalCpuCapacity>64&q=state=Maintenance&sort=-name".into());
    q.push("l2-networks?q=type=L2VlanNetwork&q=vlan>100&sort=name".into());
    q.push("l2-networks?q=type=L2VlanNetwork&groupBy=vlan".into());

    // Aliases.
    for c in [
        "clusters?q=l2Network.name=l2-1-0",
        "clusters?q=l2Network.name~=L2-%25&sort=-name",
        "clusters?q=primaryStorage.name=ps-2",
        "l2-networks?q=cluster.name=cluster-1-1",
        "primary-storage?q=cluster.zone.name=z3",
        "backup-storage?q=zone.name=z1",
        "vm-instances/nics?q=loadBalancerListener.name=http&sort=ip",
        "vm-instances?q=vmNics.loadBalancerListener.loadBalancer.name=lb-web&sort=name",
    ] {
        q.push(format!("{c}&replyWithCount=true"));
    }

    // Cycles (removed and kept).
    for c in [
        "vmNics.vmInstance.name=web-5",
        "vmNics.vmInstance.name=trail",
        "allVolumes.vmInstance.cpuNum>4",
        "host.vmInstance.name=web-5",
        "zone.vmInstance.name=web-5",
        "vmNics.l3Network.vmNic.vmInstance.name=web-5",
        "cluster.host.vmInstance.name=WEB-5",
        "rootVolume.vmInstance.state=Paused",
    ] {
        q.push(format!("{vm}?q={c}&{page}"));
    }

    // Shared to-many prefixes: the same NIC.
    q.push(format!(
        "{vm}?q=vmNics.l3Network.name=pub&q=vmNics.deviceId=1&{page}"
    ));
    q.push(format!(
        "{vm}?q=vmNics.ip~=10.0.%25&q=vmNics.deviceId!=0&{page}"
    ));
    q.push(format!(
        "{vm}?q=vmNics.eip.vipIp!=null&q=vmNics.l3Network.category=Public&{page}"
    ));

    // Paths from the relation graph (to-one and to-many, up to 4 hops).
    q.extend(path_queries(schema, sqlite));

    // Sorts with ties and NULLs, paging.
    for s in [
        "cpuNum",
        "-cpuNum",
        "name",
        "-name",
        "description",
        "-description",
        "hostUuid",
        "-hostUuid",
        "state",
        "-state",
        "createDate",
        "-createDate",
        "zone.name",
        "-zone.name",
        "host.name",
        "-host.name",
        "host.cluster.name",
        "-instanceOffering.cpuNum",
        "cpuNum,-name",
        "-state,description,-cpuNum",
        "uuid",
        "-uuid",
        "image.name,-createDate",
    ] {
        for (start, limit) in [(0, 25), (7, 13), (590, 40)] {
            q.push(format!("{vm}?sort={s}&start={start}&limit={limit}"));
        }
    }
    for s in ["name", "-name", "sshPort", "-managementIp"] {
        q.push(format!(
            "hosts?q=hypervisorType=KVM&sort={s}&limit=10&start=3"
        ));
    }
    q.push("vm-instances/nics?sort=ip&limit=50&start=100".into());
    q.push("vm-instances/nics?sort=-deviceId,ip&limit=50".into());
    q.push("volumes?sort=-size,name&limit=50&start=10".into());
    q.push(format!(
        "{vm}?sort=-cpuNum&limit=5&start=100000&replyWithCount=true"
    ));
    q.push(format!("{vm}?limit=0&replyWithCount=true"));
    q.push(format!("{vm}?sort=name&fields=uuid,name,cpuNum&limit=50"));
    q.push(
        "QueryVmInstance name~=web% cpuNum>=2 limit=5 sortBy=createDate sortDirection=desc".into(),
    );

    // count, replyWithCount.
    for c in [
        "",
        "q=state=Running&",
        "q=vmNics.l3Network.name=pub&",
        "q=name~=%25_%25&",
        "q=__userTag__=null&",
        "q=description=null&",
    ] {
        q.push(format!("{vm}?{c}count=true"));
        q.push(format!("{vm}?{c}replyWithCount=true&limit=3&sort=-name"));
    }

    // groupBy.
    for g in [
        "state",
        "cpuNum",
        "name",
        "description",
        "hostUuid",
        "state,cpuNum",
        "zoneUuid,state",
        "createDate",
    ] {
        q.push(format!("{vm}?groupBy={g}"));
        q.push(format!("{vm}?groupBy={g}&count=true"));
    }
    q.push(format!("{vm}?groupBy=state&sort=-state&count=true"));
    q.push(format!("{vm}?groupBy=name&q=name~=%25trail%25&count=true"));
    q.push(format!("{vm}?groupBy=name&sort=-name&limit=10&start=2"));
    q.push(format!("{vm}?groupBy=state&q=vmNics.deviceId=2"));
    q.push("vm-instances/nics?groupBy=l3NetworkUuid,deviceId&count=true".into());
    q.push("volumes?groupBy=isShareable,type&count=true".into());
    q.push("hosts?groupBy=status&q=hypervisorType=KVM".into());

    // Other roots.
    for c in [
        "vm-instances/nics?q=ip~=10.0.%25&sort=ip&limit=30",
        "vm-instances/nics?q=vmInstance.state=Stopped&sort=-ip&limit=30&replyWithCount=true",
        "vm-instances/nics?q=eip.vip.ip~=192.168.0.%25&sort=ip",
        "l3-networks?q=vmNic.vmInstance.name=web-5",
        "l3-networks?q=ipRanges.gateway=10.0.0.1",
        "volumes?q=vmInstance.name~=db-1%25&sort=name&limit=30",
        "volumes?q=type=Data&q=size>1000&sort=-deviceId,name&limit=20",
        "eips?q=vmNic.vmInstance.name~=web%25&sort=name",
        "vips?q=useFor=Eip&sort=-ip&limit=10",
        "security-groups?sort=name",
        "security-groups?q=name>legacy&sort=-name",
        "zones?sort=-name",
        "images?q=platform=linux&sort=-size,name",
        "instance-offerings?q=cpuNum>=4&sort=-memorySize",
        "port-forwarding?q=vmNic.vmInstance.state=Running&sort=vipPortStart",
        "load-balancers?q=listeners.vmNic.ip!=null",
    ] {
        q.push(c.to_owned());
    }
    q
}

/// Resources with rows in the demo database.
fn populated(schema: &Schema, sqlite: &Connection) -> BTreeSet<ResourceId> {
    schema
        .resources()
        .iter()
        .filter(|r| {
            sqlite
                .query_row(
                    &format!("SELECT COUNT(*) FROM \"{}\"", r.table),
                    [],
                    |row| row.get::<_, i64>(0),
                )
                .is_ok_and(|n| n > 0)
        })
        .map(|r| r.id)
        .collect()
}

/// Paths of up to 4 hops from a few roots through populated resources, and a condition on the
/// resource reached: "has such a related row" and a LIKE on a string field.
fn path_queries(schema: &Schema, sqlite: &Connection) -> Vec<String> {
    let full = populated(schema, sqlite);
    let mut out = Vec::new();
    for root_name in ["VmInstance", "VmNic", "Host", "L3Network", "Zone"] {
        let root = schema.by_name(root_name).expect("root resource");
        let rest = schema.resource(root).rest_path.expect("REST path");
        let mut paths: Vec<(Vec<&'static str>, ResourceId)> = Vec::new();
        let mut frontier: Vec<(Vec<&'static str>, ResourceId)> = vec![(Vec::new(), root)];
        for _depth in 0..4 {
            let mut next = Vec::new();
            for (path, at) in &frontier {
                for rel in schema.all_relations(*at) {
                    if !full.contains(&rel.target) {
                        continue;
                    }
                    let mut p = path.clone();
                    p.push(rel.name);
                    next.push((p.clone(), rel.target));
                    paths.push((p, rel.target));
                }
            }
            frontier = next;
        }
        paths.sort();
        // A deterministic sample: every k-th path, at most 36 per root.
        let step = (paths.len() / 36).max(1);
        for (path, target) in paths.into_iter().step_by(step).take(36) {
            let dotted = path.join(".");
            let pk = schema.resource(target).primary_key;
            out.push(format!(
                "{rest}?q={dotted}.{pk}!=null&sort=-{}&limit=30&replyWithCount=true",
                schema.resource(root).primary_key
            ));
            let text = schema
                .all_fields(target)
                .into_iter()
                .find(|f| {
                    f.field.is_native() && f.field.ty == FieldType::String && f.field.name != pk
                })
                .map(|f| f.field.name);
            if let Some(f) = text {
                out.push(format!(
                    "{rest}?q={dotted}.{f}~=%251%25&limit=30&replyWithCount=true"
                ));
            }
        }
    }
    out
}
