//! The parser on arbitrary bytes in each input form: never a panic; every error span lies inside
//! the input on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zstack_query::Limits;
use zstack_query::syntax::{parse, parse_cli, parse_json, parse_rest};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let limits = Limits::default();
    for result in [parse(text, &limits), parse_rest(text, &limits), parse_cli(text, &limits), parse_json(text, &limits)] {
        if let Err(e) = result {
            if let Some(s) = e.span() {
                assert!(s.start <= s.end && s.end <= text.len(), "span {s:?} outside {} bytes", text.len());
                assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            }
            let _ = e.to_string();
        }
    }
});
