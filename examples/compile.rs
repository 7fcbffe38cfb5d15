//! Compile one query for every dialect and print the SQL with its parameters.
//!
//! `cargo run --example compile -- 'vm-instances?q=vmNics.l3Network.name=pub&sort=-createDate&limit=5'`

use zstack_query::{Dialect, Engine};

fn main() -> Result<(), zstack_query::Error> {
    let query = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "vm-instances?q=name~=web%25&q=vmNics.ip=10.0.0.5&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name".into());
    let engine = Engine::zstack()?;
    for dialect in Dialect::ALL {
        let sql = engine.compile(None, &query, dialect)?;
        println!("-- {dialect}\n{}", sql.main.text);
        let params: Vec<_> = sql.main.params.iter().map(|p| p.to_json()).collect();
        println!("-- params: {}\n", serde_json::Value::from(params));
    }
    Ok(())
}
