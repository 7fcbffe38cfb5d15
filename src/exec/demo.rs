//! A deterministic demo cloud: zones, clusters, KVM hosts, L2/L3 networks with IP ranges, images,
//! offerings, storage, VMs with NICs and volumes, VIPs, EIPs, security groups, port forwarding,
//! load balancers and tags. The same `size` always gives the same rows (a fixed-seed SplitMix64), so
//! tests can assert on them. Rows are written by field name through the schema (a child's fields go
//! to its own table), so the generator follows the schema files.

use std::collections::HashMap;

use rusqlite::Connection;

use super::db_err;
use crate::error::{Error, ErrorKind, Result};
use crate::schema::{FieldType, Schema};

/// How big a demo cloud to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoSize {
    /// Number of VMs (default 10,000). Hosts, NICs, volumes, EIPs scale with it.
    pub vms: usize,
}

impl Default for DemoSize {
    fn default() -> DemoSize {
        DemoSize { vms: 10_000 }
    }
}

/// A value to store, converted to the field's storage form.
#[derive(Clone, Debug)]
enum V {
    S(String),
    I(i64),
    B(bool),
    T(i64),
    Null,
}

impl From<&str> for V {
    fn from(s: &str) -> V {
        V::S(s.to_owned())
    }
}
impl From<String> for V {
    fn from(s: String) -> V {
        V::S(s)
    }
}
impl From<i64> for V {
    fn from(i: i64) -> V {
        V::I(i)
    }
}
impl From<bool> for V {
    fn from(b: bool) -> V {
        V::B(b)
    }
}
impl From<Option<String>> for V {
    fn from(s: Option<String>) -> V {
        s.map_or(V::Null, V::S)
    }
}

/// SplitMix64: tiny, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn uuid(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// `YYYY-MM-DD HH:MM:SS` of a Unix time (UTC), the storage form of timestamps.
pub(crate) fn format_unix(secs: i64) -> String {
    format_unix_micros(secs, 0)
}

/// `YYYY-MM-DD HH:MM:SS[.f]` with a fraction only when it is not zero (trailing zeros trimmed).
pub(crate) fn format_unix_micros(secs: i64, micros: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let base = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if micros == 0 {
        base
    } else {
        let frac = format!("{micros:06}");
        format!("{base}.{}", frac.trim_end_matches('0'))
    }
}

/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Writes rows by resource and field name.
struct Writer<'c> {
    conn: &'c Connection,
    schema: &'c Schema,
    /// Rows written per resource.
    counts: HashMap<&'static str, usize>,
}

impl Writer<'_> {
    fn row(&mut self, resource: &str, values: &[(&str, V)]) -> Result<()> {
        let Some(id) = self.schema.by_name(resource) else {
            return Err(Error::bare(ErrorKind::Schema {
                message: format!("demo: no resource `{resource}`"),
            }));
        };
        let res = self.schema.resource(id);
        let pk_name = res.primary_key;
        // Group values by the table of the resource (in the lineage) that owns each field.
        let mut per_table: Vec<(&'static str, Vec<&'static str>, Vec<rusqlite::types::Value>)> =
            Vec::new();
        let lineage: Vec<_> = self.schema.lineage(id).collect();
        for r in lineage.iter().rev() {
            per_table.push((self.schema.resource(*r).table, Vec::new(), Vec::new()));
        }
        let pk_value = values
            .iter()
            .find(|(f, _)| *f == pk_name)
            .map(|(_, v)| v.clone());
        for (level, r) in lineage.iter().rev().enumerate() {
            // Child tables repeat the primary key.
            if level > 0
                && let (Some(pk), Some(f)) = (&pk_value, self.schema.field(*r, pk_name))
            {
                per_table[level].1.push(f.field.column);
                per_table[level]
                    .2
                    .push(storage(pk, &f.field.ty, resource, pk_name)?);
            }
            for (name, v) in values {
                if let Some(f) = self
                    .schema
                    .resource(*r)
                    .fields
                    .iter()
                    .find(|f| f.name == *name && f.is_native())
                {
                    per_table[level].1.push(f.column);
                    per_table[level].2.push(storage(v, &f.ty, resource, name)?);
                }
            }
        }
        for (table, cols, vals) in per_table {
            if cols.is_empty() {
                continue;
            }
            let placeholders = vec!["?"; cols.len()].join(", ");
            let quoted: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
            let sql = format!(
                "INSERT INTO \"{table}\" ({}) VALUES ({placeholders})",
                quoted.join(", ")
            );
            let mut stmt = self.conn.prepare_cached(&sql).map_err(db_err)?;
            stmt.execute(rusqlite::params_from_iter(vals))
                .map_err(db_err)?;
        }
        *self.counts.entry(res.name).or_default() += 1;
        Ok(())
    }

    fn tag(
        &mut self,
        rng: &mut Rng,
        system: bool,
        resource_uuid: &str,
        resource_type: &str,
        tag: &str,
        when: i64,
    ) -> Result<()> {
        let table = if system { "SystemTagVO" } else { "UserTagVO" };
        let sql = format!(
            "INSERT INTO \"{table}\" (\"uuid\", \"resourceUuid\", \"resourceType\", \"tag\", \"type\", \"createDate\", \"lastOpDate\") VALUES (?, ?, ?, ?, ?, ?, ?)"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(db_err)?;
        let ts = format_unix(when);
        stmt.execute(rusqlite::params![
            rng.uuid(),
            resource_uuid,
            resource_type,
            tag,
            if system { "System" } else { "User" },
            ts,
            ts
        ])
        .map_err(db_err)?;
        *self
            .counts
            .entry(if system { "SystemTag" } else { "UserTag" })
            .or_default() += 1;
        Ok(())
    }
}

/// Converts a demo value to the column's storage form, checking enum values against the schema.
fn storage(v: &V, ty: &FieldType, resource: &str, field: &str) -> Result<rusqlite::types::Value> {
    use rusqlite::types::Value as R;
    Ok(match (v, ty) {
        (V::Null, _) => R::Null,
        (V::S(s), FieldType::Enum(values)) if !values.contains(&s.as_str()) => {
            return Err(Error::bare(ErrorKind::Schema {
                message: format!(
                    "demo: `{s}` is not a value of {resource}.{field} ({})",
                    values.join(", ")
                ),
            }));
        }
        (V::S(s), _) => R::Text(s.clone()),
        (V::I(i), FieldType::Float) => R::Real(*i as f64),
        (V::I(i), _) => R::Integer(*i),
        (V::B(b), _) => R::Integer(i64::from(*b)),
        (V::T(t), _) => R::Text(format_unix(*t)),
    })
}

/// 2024-01-01 00:00:00 UTC.
const EPOCH_2024: i64 = 1_704_067_200;

/// Creates the tables (if needed) and fills them with a demo cloud of `size`. Returns the number of
/// rows written per resource.
///
/// # Errors
/// A database error, or a schema that lacks a resource or enum value the demo writes.
pub fn generate(
    conn: &mut Connection,
    schema: &Schema,
    size: DemoSize,
) -> Result<Vec<(&'static str, usize)>> {
    super::create_tables(conn, schema)?;
    let tx = conn.transaction().map_err(db_err)?;
    let mut w = Writer {
        conn: &tx,
        schema,
        counts: HashMap::new(),
    };
    let mut rng = Rng(0x5EED_2026);
    let vms = size.vms.max(1);
    let t = |rng: &mut Rng| EPOCH_2024 + rng.below(2 * 365 * 86_400) as i64;

    // Zones and clusters.
    let mut zones = Vec::new();
    for z in 1..=3 {
        let uuid = rng.uuid();
        let when = t(&mut rng);
        w.row(
            "Zone",
            &[
                ("uuid", uuid.clone().into()),
                ("name", format!("z{z}").into()),
                ("description", format!("zone {z}").into()),
                ("state", "Enabled".into()),
                ("type", "zstack".into()),
                ("isDefault", V::B(z == 1)),
                ("createDate", V::T(when)),
                ("lastOpDate", V::T(when)),
            ],
        )?;
        zones.push(uuid);
    }
    let mut clusters = Vec::new(); // (uuid, zone)
    for (zi, zone) in zones.iter().enumerate() {
        for c in 1..=2 {
            let uuid = rng.uuid();
            let when = t(&mut rng);
            w.row(
                "Cluster",
                &[
                    ("uuid", uuid.clone().into()),
                    ("name", format!("cluster-{}-{c}", zi + 1).into()),
                    ("zoneUuid", zone.clone().into()),
                    ("state", "Enabled".into()),
                    ("hypervisorType", "KVM".into()),
                    ("type", "zstack".into()),
                    ("architecture", "x86_64".into()),
                    ("createDate", V::T(when)),
                    ("lastOpDate", V::T(when)),
                ],
            )?;
            clusters.push((uuid, zone.clone()));
        }
    }
    // Hosts (KVM), with capacity rows.
    let n_hosts = (vms / 50).clamp(4, 2000);
    let mut hosts = Vec::new(); // (uuid, cluster, zone)
    for h in 0..n_hosts {
        let (cluster, zone) = rng.pick(&clusters).clone();
        let uuid = rng.uuid();
        let when = t(&mut rng);
        let status = if h % 17 == 5 {
            "Disconnected"
        } else {
            "Connected"
        };
        w.row(
            "KVMHost",
            &[
                ("uuid", uuid.clone().into()),
                ("name", format!("host-{h}").into()),
                ("zoneUuid", zone.clone().into()),
                ("clusterUuid", cluster.clone().into()),
                (
                    "managementIp",
                    format!("172.16.{}.{}", h / 250, h % 250 + 1).into(),
                ),
                ("hypervisorType", "KVM".into()),
                (
                    "state",
                    if h % 13 == 7 {
                        "Maintenance"
                    } else {
                        "Enabled"
                    }
                    .into(),
                ),
                ("status", status.into()),
                ("architecture", "x86_64".into()),
                ("createDate", V::T(when)),
                ("lastOpDate", V::T(when)),
                ("username", "root".into()),
                ("password", "password".into()),
                ("sshPort", V::I(22)),
                ("osDistribution", "CentOS".into()),
                ("osRelease", "Core".into()),
                ("osVersion", "7.9".into()),
            ],
        )?;
        let cpu = [32i64, 64, 96, 128][h % 4];
        let mem = cpu * 4 * 1024 * 1024 * 1024;
        w.row(
            "HostCapacity",
            &[
                ("uuid", uuid.clone().into()),
                ("totalCpu", V::I(cpu)),
                ("availableCpu", V::I(cpu / 2)),
                ("cpuNum", V::I(cpu)),
                ("cpuSockets", V::I(2)),
                ("totalMemory", V::I(mem)),
                ("availableMemory", V::I(mem / 3)),
                ("totalPhysicalMemory", V::I(mem)),
                ("availablePhysicalMemory", V::I(mem / 2)),
            ],
        )?;
        hosts.push((uuid, cluster, zone));
    }
    // L2 / L3 networks, IP ranges.
    let mut l3s = Vec::new(); // (uuid, zone, third-octet base)
    for (zi, zone) in zones.iter().enumerate() {
        for k in 0..2 {
            let l2 = rng.uuid();
            let when = t(&mut rng);
            let vlan = k == 1;
            w.row(
                if vlan { "L2VlanNetwork" } else { "L2Network" },
                &[
                    ("uuid", l2.clone().into()),
                    ("name", format!("l2-{}-{k}", zi + 1).into()),
                    ("zoneUuid", zone.clone().into()),
                    ("physicalInterface", "eth0".into()),
                    (
                        "type",
                        if vlan {
                            "L2VlanNetwork"
                        } else {
                            "L2NoVlanNetwork"
                        }
                        .into(),
                    ),
                    ("vSwitchType", "LinuxBridge".into()),
                    ("vlan", V::I(100 + zi as i64 * 10 + k)),
                    ("virtualNetworkId", V::I(100 + zi as i64 * 10 + k)),
                    ("createDate", V::T(when)),
                    ("lastOpDate", V::T(when)),
                ],
            )?;
            for (ci, (cluster, cz)) in clusters.iter().enumerate() {
                if cz == zone {
                    w.row(
                        "L2NetworkClusterRef",
                        &[
                            (
                                "id",
                                V::I(
                                    w.counts.get("L2NetworkClusterRef").copied().unwrap_or(0)
                                        as i64
                                        + 1,
                                ),
                            ),
                            ("l2NetworkUuid", l2.clone().into()),
                            ("clusterUuid", cluster.clone().into()),
                            ("l2ProviderType", "LinuxBridge".into()),
                            ("createDate", V::T(when)),
                            ("lastOpDate", V::T(when)),
                        ],
                    )?;
                    let _ = ci;
                }
            }
            let l3 = rng.uuid();
            let idx = l3s.len();
            let name = if idx == 0 {
                "pub".to_string()
            } else if k == 0 {
                format!("pub-{}", zi + 1)
            } else {
                format!("priv-{}", zi + 1)
            };
            w.row(
                "L3Network",
                &[
                    ("uuid", l3.clone().into()),
                    ("name", name.into()),
                    ("zoneUuid", zone.clone().into()),
                    ("l2NetworkUuid", l2.clone().into()),
                    ("state", "Enabled".into()),
                    ("type", "L3BasicNetwork".into()),
                    ("system", V::B(false)),
                    ("category", if k == 0 { "Public" } else { "Private" }.into()),
                    ("ipVersion", V::I(4)),
                    ("enableIPAM", V::B(true)),
                    ("isolated", V::B(false)),
                    ("dnsDomain", V::Null),
                    ("createDate", V::T(when)),
                    ("lastOpDate", V::T(when)),
                ],
            )?;
            w.row(
                "L3NetworkDns",
                &[
                    ("id", V::I(idx as i64 + 1)),
                    ("l3NetworkUuid", l3.clone().into()),
                    (
                        "dns",
                        if k == 0 { "8.8.8.8" } else { "114.114.114.114" }.into(),
                    ),
                    ("createDate", V::T(when)),
                    ("lastOpDate", V::T(when)),
                ],
            )?;
            w.row(
                "IpRange",
                &[
                    ("uuid", rng.uuid().into()),
                    ("l3NetworkUuid", l3.clone().into()),
                    ("name", format!("range-{idx}").into()),
                    ("startIp", format!("10.{idx}.0.2").into()),
                    ("endIp", format!("10.{idx}.255.254").into()),
                    ("netmask", "255.255.0.0".into()),
                    ("gateway", format!("10.{idx}.0.1").into()),
                    ("networkCidr", format!("10.{idx}.0.0/16").into()),
                    ("ipVersion", V::I(4)),
                    ("prefixLen", V::I(16)),
                    ("createDate", V::T(when)),
                    ("lastOpDate", V::T(when)),
                ],
            )?;
            l3s.push((l3, zone.clone(), idx));
        }
    }
    // Images, offerings, storage.
    let mut images = Vec::new();
    for (i, (name, platform)) in [
        ("centos-7", "Linux"),
        ("ubuntu-22.04", "Linux"),
        ("windows-2019", "Windows"),
        ("debian-12", "Linux"),
        ("alpine", "Linux"),
    ]
    .iter()
    .enumerate()
    {
        let uuid = rng.uuid();
        let when = t(&mut rng);
        w.row(
            "Image",
            &[
                ("uuid", uuid.clone().into()),
                ("name", (*name).into()),
                ("state", "Enabled".into()),
                ("status", "Ready".into()),
                ("size", V::I(1 << (30 + i % 3))),
                ("actualSize", V::I(1 << (29 + i % 3))),
                ("md5Sum", "not calculated".into()),
                ("url", format!("http://images.example/{name}.qcow2").into()),
                ("mediaType", "RootVolumeTemplate".into()),
                ("guestOsType", (*name).into()),
                ("type", "zstack".into()),
                ("platform", (*platform).into()),
                ("architecture", "x86_64".into()),
                ("format", "qcow2".into()),
                ("system", V::B(false)),
                ("virtio", V::B(true)),
                ("createDate", V::T(when)),
                ("lastOpDate", V::T(when)),
            ],
        )?;
        images.push(uuid);
    }
    let mut offerings = Vec::new();
    for (i, (cpu, mem)) in [(1i64, 1i64), (2, 4), (4, 8), (8, 16), (16, 64)]
        .iter()
        .enumerate()
    {
        let uuid = rng.uuid();
        let when = t(&mut rng);
        w.row(
            "InstanceOffering",
            &[
                ("uuid", uuid.clone().into()),
                ("name", format!("{cpu}c{mem}g").into()),
                ("cpuNum", V::I(*cpu)),
                ("cpuSpeed", V::I(0)),
                ("memorySize", V::I(mem << 30)),
                ("reservedMemorySize", V::I(0)),
                (
                    "allocatorStrategy",
                    "LeastVmPreferredHostAllocatorStrategy".into(),
                ),
                ("sortKey", V::I(i as i64)),
                ("state", "Enabled".into()),
                ("type", "UserVm".into()),
                ("createDate", V::T(when)),
                ("lastOpDate", V::T(when)),
            ],
        )?;
        offerings.push((uuid, *cpu, *mem));
    }
    for (i, gb) in [20i64, 100, 500].iter().enumerate() {
        let when = t(&mut rng);
        w.row(
            "DiskOffering",
            &[
                ("uuid", rng.uuid().into()),
                ("name", format!("disk-{gb}g").into()),
                ("diskSize", V::I(gb << 30)),
                ("sortKey", V::I(i as i64)),
                ("state", "Enabled".into()),
                ("type", "zstack".into()),
                (
                    "allocatorStrategy",
                    "DefaultPrimaryStorageAllocationStrategy".into(),
                ),
                ("createDate", V::T(when)),
                ("lastOpDate", V::T(when)),
            ],
        )?;
    }
    let mut primary = HashMap::new();
    for (zi, zone) in zones.iter().enumerate() {
        let uuid = rng.uuid();
        let when = t(&mut rng);
        w.row(
            "PrimaryStorage",
            &[
                ("uuid", uuid.clone().into()),
                ("name", format!("ps-{}", zi + 1).into()),
                ("zoneUuid", zone.clone().into()),
                ("url", format!("/zstack_ps/{}", zi + 1).into()),
                ("type", "LocalStorage".into()),
                ("mountPath", "/zstack_ps".into()),
                ("state", "Enabled".into()),
                ("status", "Connected".into()),
                ("createDate", V::T(when)),
                ("lastOpDate", V::T(when)),
            ],
        )?;
        let mut ref_id = zi as i64 * 10;
        for (cluster, cz) in &clusters {
            if cz == zone {
                ref_id += 1;
                w.row(
                    "PrimaryStorageClusterRef",
                    &[
                        ("id", V::I(ref_id)),
                        ("primaryStorageUuid", uuid.clone().into()),
                        ("clusterUuid", cluster.clone().into()),
                        ("createDate", V::T(when)),
                        ("lastOpDate", V::T(when)),
                    ],
                )?;
            }
        }
        primary.insert(zone.clone(), uuid);
    }
    let bs = rng.uuid();
    let when = t(&mut rng);
    w.row(
        "SftpBackupStorage",
        &[
            ("uuid", bs.clone().into()),
            ("name", "bs-1".into()),
            ("url", "/zstack_bs".into()),
            ("type", "SftpBackupStorage".into()),
            ("state", "Enabled".into()),
            ("status", "Connected".into()),
            ("totalCapacity", V::I(10 << 40)),
            ("availableCapacity", V::I(6 << 40)),
            ("hostname", "172.16.0.250".into()),
            ("username", "root".into()),
            ("sshPort", V::I(22)),
            ("createDate", V::T(when)),
            ("lastOpDate", V::T(when)),
        ],
    )?;
    for (zi, zone) in zones.iter().enumerate() {
        w.row(
            "BackupStorageZoneRef",
            &[
                ("id", V::I(zi as i64 + 1)),
                ("backupStorageUuid", bs.clone().into()),
                ("zoneUuid", zone.clone().into()),
                ("createDate", V::T(when)),
                ("lastOpDate", V::T(when)),
            ],
        )?;
    }
    // Security groups.
    let mut sgs = Vec::new();
    for name in ["default", "web", "db", "ssh-only", "Legacy"] {
        let uuid = rng.uuid();
        let when = t(&mut rng);
        w.row(
            "SecurityGroup",
            &[
                ("uuid", uuid.clone().into()),
                ("name", name.into()),
                ("state", "Enabled".into()),
                ("ipVersion", V::I(4)),
                ("createDate", V::T(when)),
                ("lastOpDate", V::T(when)),
            ],
        )?;
        sgs.push(uuid);
    }
    // VMs with NICs and volumes.
    let prefixes = ["web", "db", "app", "cache", "batch"];
    let mut next_ip: Vec<u32> = vec![2; l3s.len()];
    let mut vip_count = 0;
    let mut ref_id = 0i64;
    let mut lb_nics = Vec::new();
    for i in 0..vms {
        let uuid = rng.uuid();
        let created = t(&mut rng);
        let (host, cluster, zone) = rng.pick(&hosts).clone();
        let state = match rng.below(20) {
            0..=13 => "Running",
            14..=17 => "Stopped",
            18 => "Paused",
            _ => "Destroyed",
        };
        let running = state == "Running" || state == "Paused";
        let (offering, cpu, mem) = rng.pick(&offerings).clone();
        let name = match i {
            1 => "Web-Prod-1".to_string(),
            2 => "my_vm".to_string(),
            3 => "my%vm".to_string(),
            4 => "O'Brien".to_string(),
            _ => format!("{}-{i}", prefixes[i % prefixes.len()]),
        };
        let root_volume = rng.uuid();
        let image = rng.pick(&images).clone();
        let zone_l3s: Vec<&(String, String, usize)> =
            l3s.iter().filter(|(_, z, _)| *z == zone).collect();
        // Two to four NICs (three on average, as a 100k-VM cloud with ~300k NICs), round-robin
        // over the zone's networks: the first NIC is always on the zone's first network.
        let n_nics = 2 + rng.below(3) as usize;
        let default_l3 = zone_l3s[0].0.clone();
        w.row(
            "VmInstance",
            &[
                ("uuid", uuid.clone().into()),
                ("name", name.into()),
                (
                    "description",
                    if i % 3 == 0 {
                        V::Null
                    } else {
                        V::S(format!("demo vm {i}"))
                    },
                ),
                ("zoneUuid", zone.clone().into()),
                ("clusterUuid", cluster.clone().into()),
                ("imageUuid", image.into()),
                (
                    "hostUuid",
                    if running { V::S(host.clone()) } else { V::Null },
                ),
                ("lastHostUuid", host.clone().into()),
                ("instanceOfferingUuid", offering.into()),
                ("rootVolumeUuid", root_volume.clone().into()),
                ("platform", "Linux".into()),
                ("architecture", "x86_64".into()),
                ("defaultL3NetworkUuid", default_l3.into()),
                ("type", "UserVm".into()),
                ("hypervisorType", "KVM".into()),
                ("memorySize", V::I(mem << 30)),
                ("reservedMemorySize", V::I(0)),
                ("cpuNum", V::I(cpu)),
                ("cpuSpeed", V::I(0)),
                (
                    "allocatorStrategy",
                    "LeastVmPreferredHostAllocatorStrategy".into(),
                ),
                ("createDate", V::T(created)),
                ("lastOpDate", V::T(created + 3600)),
                ("state", state.into()),
                ("guestOsType", "Linux".into()),
            ],
        )?;
        w.row(
            "Volume",
            &[
                ("uuid", root_volume.clone().into()),
                ("name", format!("ROOT-for-vm-{i}").into()),
                ("primaryStorageUuid", primary[&zone].clone().into()),
                ("vmInstanceUuid", uuid.clone().into()),
                ("rootImageUuid", V::Null),
                (
                    "installPath",
                    format!("/zstack_ps/rootvolumes/{root_volume}.qcow2").into(),
                ),
                ("type", "Root".into()),
                ("format", "qcow2".into()),
                ("size", V::I(40 << 30)),
                ("actualSize", V::I(8 << 30)),
                ("deviceId", V::I(0)),
                ("state", "Enabled".into()),
                ("status", "Ready".into()),
                ("isShareable", V::B(false)),
                ("createDate", V::T(created)),
                ("lastOpDate", V::T(created)),
            ],
        )?;
        for d in 0..rng.below(3) {
            let vol = rng.uuid();
            w.row(
                "Volume",
                &[
                    ("uuid", vol.clone().into()),
                    ("name", format!("DATA-{i}-{d}").into()),
                    ("primaryStorageUuid", primary[&zone].clone().into()),
                    ("vmInstanceUuid", uuid.clone().into()),
                    (
                        "installPath",
                        format!("/zstack_ps/datavolumes/{vol}.qcow2").into(),
                    ),
                    ("type", "Data".into()),
                    ("format", "qcow2".into()),
                    ("size", V::I(100 << 30)),
                    ("actualSize", V::I(1 << 30)),
                    ("deviceId", V::I(d as i64 + 1)),
                    ("state", "Enabled".into()),
                    ("status", "Ready".into()),
                    ("isShareable", V::B(d == 1)),
                    ("createDate", V::T(created)),
                    ("lastOpDate", V::T(created)),
                ],
            )?;
        }
        for n in 0..n_nics {
            let (l3, _, idx) = zone_l3s[n % zone_l3s.len()];
            let seq = next_ip[*idx];
            next_ip[*idx] += 1;
            let ip = format!("10.{idx}.{}.{}", seq / 250, seq % 250);
            let nic = rng.uuid();
            w.row(
                "VmNic",
                &[
                    ("uuid", nic.clone().into()),
                    ("vmInstanceUuid", uuid.clone().into()),
                    ("l3NetworkUuid", l3.clone().into()),
                    ("ip", ip.clone().into()),
                    (
                        "mac",
                        format!(
                            "fa:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                            i >> 24 & 0xff,
                            i >> 16 & 0xff,
                            i >> 8 & 0xff,
                            i & 0xff,
                            n
                        )
                        .into(),
                    ),
                    ("hypervisorType", "KVM".into()),
                    ("netmask", "255.255.0.0".into()),
                    ("gateway", format!("10.{idx}.0.1").into()),
                    ("ipVersion", V::I(4)),
                    ("driverType", "virtio".into()),
                    ("internalName", format!("vnic{i}.{n}").into()),
                    ("deviceId", V::I(n as i64)),
                    ("type", "VNIC".into()),
                    ("state", "enable".into()),
                    ("createDate", V::T(created)),
                    ("lastOpDate", V::T(created)),
                ],
            )?;
            if n == 0 && i % 3 != 2 {
                ref_id += 1;
                let sg = sgs[i % sgs.len()].clone();
                w.row(
                    "VmNicSecurityGroupRef",
                    &[
                        ("uuid", rng.uuid().into()),
                        ("vmNicUuid", nic.clone().into()),
                        ("securityGroupUuid", sg.into()),
                        ("vmInstanceUuid", uuid.clone().into()),
                        ("priority", V::I(1)),
                        ("createDate", V::T(created)),
                        ("lastOpDate", V::T(created)),
                    ],
                )?;
            }
            // An EIP for every 10th VM's first NIC, on the zone's public network.
            if n == 0 && i % 10 == 0 {
                vip_count += 1;
                let vip = rng.uuid();
                let vip_ip = format!("192.168.{}.{}", vip_count / 250, vip_count % 250 + 1);
                w.row(
                    "Vip",
                    &[
                        ("uuid", vip.clone().into()),
                        ("name", format!("vip-{vip_count}").into()),
                        ("l3NetworkUuid", zone_l3s[0].0.clone().into()),
                        ("ip", vip_ip.clone().into()),
                        ("state", "Enabled".into()),
                        ("gateway", "192.168.0.1".into()),
                        ("netmask", "255.255.0.0".into()),
                        ("prefixLen", V::I(16)),
                        ("serviceProvider", "vrouter".into()),
                        ("useFor", "Eip".into()),
                        ("system", V::B(false)),
                        ("createDate", V::T(created)),
                        ("lastOpDate", V::T(created)),
                    ],
                )?;
                w.row(
                    "Eip",
                    &[
                        ("uuid", rng.uuid().into()),
                        ("name", format!("eip-{vip_count}").into()),
                        ("vmNicUuid", nic.clone().into()),
                        ("vipUuid", vip.into()),
                        ("state", "Enabled".into()),
                        ("vipIp", vip_ip.into()),
                        ("guestIp", ip.clone().into()),
                        ("createDate", V::T(created)),
                        ("lastOpDate", V::T(created)),
                    ],
                )?;
            }
            if n == 0 && i % 25 == 1 {
                lb_nics.push(nic.clone());
            }
        }
        if i % 4 == 0 {
            w.tag(
                &mut rng,
                true,
                &uuid,
                "VmInstanceVO",
                "ha::NeverStop",
                created,
            )?;
        }
        if i % 7 == 0 {
            w.tag(
                &mut rng,
                false,
                &uuid,
                "VmInstanceVO",
                if i % 2 == 0 { "prod" } else { "dev" },
                created,
            )?;
        }
    }
    let _ = ref_id;
    // A load balancer with a listener, and port forwarding on a few NICs.
    let lb_vip = rng.uuid();
    let when = t(&mut rng);
    w.row(
        "Vip",
        &[
            ("uuid", lb_vip.clone().into()),
            ("name", "vip-lb".into()),
            ("l3NetworkUuid", l3s[0].0.clone().into()),
            ("ip", "192.168.200.1".into()),
            ("state", "Enabled".into()),
            ("useFor", "LoadBalancer".into()),
            ("system", V::B(false)),
            ("createDate", V::T(when)),
            ("lastOpDate", V::T(when)),
        ],
    )?;
    let lb = rng.uuid();
    w.row(
        "LoadBalancer",
        &[
            ("uuid", lb.clone().into()),
            ("name", "lb-web".into()),
            ("state", "Enabled".into()),
            ("type", "Shared".into()),
            ("vipUuid", lb_vip.into()),
            ("createDate", V::T(when)),
            ("lastOpDate", V::T(when)),
        ],
    )?;
    let listener = rng.uuid();
    w.row(
        "LoadBalancerListener",
        &[
            ("uuid", listener.clone().into()),
            ("name", "http".into()),
            ("loadBalancerUuid", lb.into()),
            ("instancePort", V::I(80)),
            ("loadBalancerPort", V::I(80)),
            ("protocol", "http".into()),
            ("createDate", V::T(when)),
            ("lastOpDate", V::T(when)),
        ],
    )?;
    for (k, nic) in lb_nics.iter().enumerate() {
        w.row(
            "LoadBalancerListenerVmNicRef",
            &[
                ("id", V::I(k as i64 + 1)),
                ("listenerUuid", listener.clone().into()),
                ("vmNicUuid", nic.clone().into()),
                ("status", "Active".into()),
                ("createDate", V::T(when)),
                ("lastOpDate", V::T(when)),
            ],
        )?;
        if k < 5 {
            let pf_vip = rng.uuid();
            let ip = format!("192.168.201.{}", k + 1);
            w.row(
                "Vip",
                &[
                    ("uuid", pf_vip.clone().into()),
                    ("name", format!("vip-pf-{k}").into()),
                    ("l3NetworkUuid", l3s[0].0.clone().into()),
                    ("ip", ip.clone().into()),
                    ("state", "Enabled".into()),
                    ("useFor", "PortForwarding".into()),
                    ("system", V::B(false)),
                    ("createDate", V::T(when)),
                    ("lastOpDate", V::T(when)),
                ],
            )?;
            w.row(
                "PortForwardingRule",
                &[
                    ("uuid", rng.uuid().into()),
                    ("name", format!("ssh-{k}").into()),
                    ("vipUuid", pf_vip.into()),
                    ("vipIp", ip.into()),
                    ("vmNicUuid", nic.clone().into()),
                    ("vipPortStart", V::I(2200 + k as i64)),
                    ("vipPortEnd", V::I(2200 + k as i64)),
                    ("privatePortStart", V::I(22)),
                    ("privatePortEnd", V::I(22)),
                    ("protocolType", "TCP".into()),
                    ("state", "Enabled".into()),
                    ("allowedCidr", "0.0.0.0/0".into()),
                    ("createDate", V::T(when)),
                    ("lastOpDate", V::T(when)),
                ],
            )?;
        }
    }
    let mut counts: Vec<(&'static str, usize)> = w.counts.into_iter().collect();
    counts.sort();
    tx.commit().map_err(db_err)?;
    Ok(counts)
}
