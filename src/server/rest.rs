//! `rest`: ZStack's query endpoints, `GET /zstack/v1/<rest-path>[/<uuid>]?<query string>`.
//!
//! The query string is handed to the engine as sent (still percent-encoded), so error spans point
//! into what the client sent. REST paths may contain slashes (`vm-instances/appliances`,
//! `zwatch/alarms/sns/text-templates/aliyun-sms`), which makes `<rest-path>/<uuid>` ambiguous:
//! the whole path is tried as a REST path first, then all but its last segment with that segment
//! as the uuid (`vm-instances/appliances` is the appliance VMs, not the VM whose uuid is
//! `appliances`).

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;

use super::{error_response, json_response};
use crate::emit::Dialect;
use crate::error::{Error, ErrorKind, Result, Span};
use crate::exec::{self, Reply};
use crate::schema::{ResourceId, Schema};
use crate::suggest::closest;

/// `GET /zstack/v1/…` and `GET /v1/…`.
pub(super) async fn query(State(st): State<super::State>, uri: Uri) -> Response {
    let path = uri.path();
    let rest = path
        .strip_prefix("/zstack/v1/")
        .or_else(|| path.strip_prefix("/v1/"))
        .unwrap_or(path);
    let raw = uri.query().unwrap_or("");
    match answer(&st, rest, raw).await {
        Ok(reply) => json_response(StatusCode::OK, &reply),
        Err(e) => error_response(&e, 0),
    }
}

/// Compiles on this (async) thread, runs on a blocking one.
async fn answer(st: &super::State, rest: &str, raw: &str) -> Result<Reply> {
    let schema = st.engine.schema();
    let (id, uuid) = target(schema, rest)?;
    let r = schema.resource(id);
    let text = match uuid {
        None => raw.to_owned(),
        // Appended, so that spans of errors in the client's own query string stay right.
        Some(uuid) if raw.is_empty() => format!("q={}={uuid}", r.primary_key),
        Some(uuid) => format!("{raw}&q={}={uuid}", r.primary_key),
    };
    let sql = st.engine.compile(Some(r.name), &text, Dialect::Sqlite)?;
    st.pool
        .run(move |conn| exec::run(conn, &sql).map_err(|e| e.with_input(text)))
        .await
}

/// The resource and optional uuid named by a path after `/zstack/v1/`, longest REST path first.
fn target<'p>(schema: &Schema, rest: &'p str) -> Result<(ResourceId, Option<&'p str>)> {
    let rest = rest.trim_end_matches('/');
    if let Some(id) = by_rest_path(schema, rest) {
        return Ok((id, None));
    }
    if let Some((head, uuid)) = rest.rsplit_once('/')
        && let Some(id) = by_rest_path(schema, head)
        && !uuid.is_empty()
    {
        return Ok((id, Some(uuid)));
    }
    let paths = schema.resources().iter().filter_map(|r| r.rest_path);
    let e = Error::new(ErrorKind::ResourceUnknown { name: rest.into() }, rest)
        .with_span(Span::new(0, rest.len()));
    Err(match closest(rest, paths) {
        Some(c) => e.with_hint(format!("did you mean `{c}`?")),
        None => e.with_hint("`zstack-query resources` lists every REST path"),
    })
}

/// Only REST paths (not API or inventory names, which [`Schema::lookup`] also accepts) name a
/// resource in a URL, as in ZStack.
fn by_rest_path(schema: &Schema, path: &str) -> Option<ResourceId> {
    let id = schema.lookup(path)?;
    schema
        .resource(id)
        .rest_path
        .is_some_and(|p| p.eq_ignore_ascii_case(path))
        .then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_rest_path_first() {
        let s = Schema::zstack().expect("embedded schema loads");
        fn name<'a>(
            s: &Schema,
            r: Result<(ResourceId, Option<&'a str>)>,
        ) -> Result<(&'static str, Option<&'a str>)> {
            r.map(|(id, u)| (s.resource(id).rest_path.unwrap_or(""), u))
        }
        let name = |r| name(&s, r);
        assert_eq!(name(target(&s, "vm-instances")), Ok(("vm-instances", None)));
        assert_eq!(
            name(target(&s, "vm-instances/appliances")),
            Ok(("vm-instances/appliances", None))
        );
        assert_eq!(
            name(target(&s, "vm-instances/abc")),
            Ok(("vm-instances", Some("abc")))
        );
        assert_eq!(
            name(target(&s, "vm-instances/appliances/abc")),
            Ok(("vm-instances/appliances", Some("abc")))
        );
        let e = target(&s, "vm-instance").expect_err("not a REST path");
        assert_eq!(e.code(), "unknown-resource");
        assert_eq!(e.hint(), Some("did you mean `vm-instances`?"));
        assert!(target(&s, "QueryVmInstance").is_err());
    }
}
