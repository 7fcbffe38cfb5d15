//! Build a small demo cloud in an in-memory SQLite database and run queries in all three forms.
//!
//! `cargo run --example sqlite`

use rusqlite::Connection;
use zstack_query::Engine;
use zstack_query::exec::demo::DemoSize;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::zstack()?;
    let mut conn = Connection::open_in_memory()?;
    engine.generate_demo(&mut conn, DemoSize { vms: 200 })?;
    for query in [
        "vm-instances?q=vmNics.l3Network.name=pub&q=state=Running&replyWithCount=true&limit=3&fields=uuid,name",
        "QueryVmInstance state=Running cpuNum>=4 sortBy=createDate sortDirection=desc limit=3 fields=name,cpuNum",
        r#"{"api":"QueryHost","conditions":[{"name":"hypervisorType","op":"=","value":"KVM"}],"limit":2,"fields":["name","managementIp"]}"#,
        "vm-instances?groupBy=state&count=true",
    ] {
        let reply = engine.run(&conn, None, query)?;
        println!("{query}\n{}\n", serde_json::to_string(&reply)?);
    }
    // A bad query: the error renders with a caret.
    if let Err(e) = engine.run(&conn, None, "vm-instances?q=vmNics.l3Netwrok.name=pub") {
        println!("{e}");
    }
    Ok(())
}
