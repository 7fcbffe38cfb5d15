//! Parameter values shared by the three forms (grammar rules `uint`, `bool`, `sort-list`, `sort-key`,
//! `path-list`, `direction`), and the reporting of duplicate and unknown parameters.

use super::condition;
use super::decode::Text;
use crate::ast::{Path, SortKey, Spanned};
use crate::error::{Error, ErrorKind, Span};
use crate::suggest;

/// The blanks trimmed around parameter values and list items (ZStack trims every non-`q` value,
/// zstack-semantics.md §1.1).
fn trimmed(t: &Text<'_>, start: usize, end: usize) -> (usize, usize) {
    let s = t.as_str().get(start..end).unwrap_or("");
    let lead = condition::leading_space(s);
    let end = condition::without_trailing_space(s).max(lead);
    (start + lead, start + end)
}

/// Where a parameter's value sits, for its errors.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Param<'t, 'a> {
    /// The decoded text holding the value.
    pub(crate) text: &'t Text<'a>,
    /// First byte of the value in `text`.
    pub(crate) start: usize,
    /// One past its last byte.
    pub(crate) end: usize,
    /// The parameter's name, as the error reports it.
    pub(crate) name: &'static str,
    /// The span of the parameter's key (used when the value is empty).
    pub(crate) key: Span,
}

impl<'a> Param<'_, 'a> {
    /// A [`ErrorKind::ParameterInvalid`] on the value (on the key and the empty value when it is empty).
    #[cold]
    fn invalid(&self, expected: &str) -> Error {
        let span = self.text.span(self.start, self.end);
        let span = if span.is_empty() {
            self.key.to(span)
        } else {
            span
        };
        Error::new(
            ErrorKind::ParameterInvalid {
                name: self.name.to_owned(),
                expected: expected.to_owned(),
            },
            self.text.input(),
        )
        .with_span(span)
    }

    /// grammar: `uint` = `digit+` (blanks around it are trimmed).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ParameterInvalid`] when the value is not a non-negative integer that fits in 64 bits.
    pub(crate) fn uint(&self) -> Result<Spanned<u64>, Error> {
        let (s, e) = trimmed(self.text, self.start, self.end);
        let digits = self.text.as_str().get(s..e).unwrap_or("");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid("a non-negative integer"));
        }
        match digits.parse::<u64>() {
            Ok(n) => Ok(Spanned::new(n, self.text.span(s, e))),
            Err(_) => Err(self
                .invalid("a non-negative integer")
                .with_hint("the number is too large")),
        }
    }

    /// grammar: `bool` = `true` | `false`, case-insensitive (blanks trimmed). Unlike ZStack's
    /// `Boolean.parseBoolean`, anything else is an error rather than `false`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ParameterInvalid`] on any other value.
    pub(crate) fn boolean(&self) -> Result<Spanned<bool>, Error> {
        let (s, e) = trimmed(self.text, self.start, self.end);
        let word = self.text.as_str().get(s..e).unwrap_or("");
        let b = if word.eq_ignore_ascii_case("true") {
            true
        } else if word.eq_ignore_ascii_case("false") {
            false
        } else {
            return Err(self.invalid("`true` or `false`"));
        };
        Ok(Spanned::new(b, self.text.span(s, e)))
    }

    /// grammar: `direction` = `asc` | `desc`, case-insensitive. Returns true for `desc`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ParameterInvalid`] on any other value.
    pub(crate) fn direction(&self) -> Result<Spanned<bool>, Error> {
        let (s, e) = trimmed(self.text, self.start, self.end);
        let word = self.text.as_str().get(s..e).unwrap_or("");
        let desc = if word.eq_ignore_ascii_case("asc") {
            false
        } else if word.eq_ignore_ascii_case("desc") {
            true
        } else {
            return Err(self.invalid("`asc` or `desc`"));
        };
        Ok(Spanned::new(desc, self.text.span(s, e)))
    }

    /// The non-empty, trimmed, comma-separated items of the value, each as `(start, end)`, passed to `item`.
    fn items(
        &self,
        expected: &str,
        mut item: impl FnMut(usize, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let s = self.text.as_str().get(self.start..self.end).unwrap_or("");
        let mut at = self.start;
        // Items are short: a byte scan for `,` costs less than a `split` searcher's set-up.
        let mut rest = s.as_bytes();
        loop {
            let len = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
            let (a, b) = trimmed(self.text, at, at + len);
            if a == b {
                return Err(self.invalid(expected));
            }
            item(a, b)?;
            match rest.get(len + 1..) {
                Some(tail) => {
                    rest = tail;
                    at += len + 1;
                }
                None => return Ok(()),
            }
        }
    }

    /// grammar: `path-list` = `path ("," path)*`, each item trimmed; appended to `out`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ParameterInvalid`] on an empty item (`fields=`, `fields=a,,b`), and
    /// [`ErrorKind::SyntaxInvalidPath`] on an item that is not a path.
    pub(crate) fn path_list(&self, out: &mut Vec<Path<'a>>) -> Result<(), Error> {
        self.items("a comma-separated list of field names", |a, b| {
            out.push(condition::path(self.text, a, b)?);
            Ok(())
        })
    }

    /// grammar: `sort-list` = `sort-key ("," sort-key)*`, `sort-key` = `("+" | "-")? path`; appended to `out`.
    ///
    /// After percent-decoding, an unencoded `+` has become a space, which is trimmed; the key is then
    /// ascending, which is what the `+` meant (zstack-semantics.md §2, `sort`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ParameterInvalid`] on an empty item, [`ErrorKind::SyntaxInvalidPath`] on a bad field.
    pub(crate) fn sort_list(&self, out: &mut Vec<SortKey<'a>>) -> Result<(), Error> {
        self.items(
            "a comma-separated list of fields, each optionally prefixed by `+` or `-`",
            |a, b| {
                let s = self.text.as_str().get(a..b).unwrap_or("");
                let (descending, a) = match s.as_bytes().first() {
                    Some(b'-') => (true, a + 1),
                    Some(b'+') => (false, a + 1),
                    _ => (false, a),
                };
                out.push(SortKey {
                    path: condition::path(self.text, a, b)?,
                    descending,
                });
                Ok(())
            },
        )
    }

    /// grammar: `path`, the trimmed value as one path (the CLI's `sortBy`, the JSON `sortBy`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ParameterInvalid`] when empty, [`ErrorKind::SyntaxInvalidPath`] when not a path.
    pub(crate) fn path(&self) -> Result<Path<'a>, Error> {
        let (a, b) = trimmed(self.text, self.start, self.end);
        if a == b {
            return Err(self.invalid("a field name"));
        }
        condition::path(self.text, a, b)
    }
}

/// The parameters that may be given once, for duplicate detection.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Once {
    /// `limit`
    Limit,
    /// `start`
    Start,
    /// `count`
    Count,
    /// `replyWithCount`
    ReplyWithCount,
    /// `sort`, or the CLI/JSON `sortBy` (two spellings of one parameter)
    Sort,
    /// `sortDirection`
    SortDirection,
    /// The JSON `conditions` array.
    Conditions,
    /// The resource (the JSON `api` key or wrapper).
    Api,
}

/// The key spans of the parameters seen so far that may be given once.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// Indexed by [`Once`].
    first: [Option<Span>; 8],
}

impl Seen {
    /// Records parameter `which`, written as `name` at `key`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ParameterDuplicate`] when it was given before: span on this key, aux on the first.
    pub(crate) fn once(
        &mut self,
        which: Once,
        name: &str,
        key: Span,
        input: &str,
    ) -> Result<(), Error> {
        match self.first.get_mut(which as usize) {
            Some(Some(first)) => Err(Error::new(
                ErrorKind::ParameterDuplicate {
                    name: name.to_owned(),
                },
                input,
            )
            .with_span(key)
            .with_aux(*first)
            .with_hint("give each parameter once")),
            Some(slot) => {
                *slot = Some(key);
                Ok(())
            }
            None => Ok(()),
        }
    }
}

/// A [`ErrorKind::ParameterUnknown`] for `name` at `span`, with a "did you mean" hint when a known name is close.
#[cold]
pub(crate) fn unknown(input: &str, name: &str, span: Span, known: &[&str]) -> Error {
    let e = Error::new(
        ErrorKind::ParameterUnknown {
            name: name.to_owned(),
        },
        input,
    )
    .with_span(span);
    match suggest::closest(name, known.iter().copied()) {
        Some(k) => e.with_hint(format!("did you mean `{k}`?")),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(r: std::ops::Range<usize>) -> Span {
        Span::from(r)
    }

    fn param<'t, 'a>(t: &'t Text<'a>, name: &'static str) -> Param<'t, 'a> {
        Param {
            text: t,
            start: 0,
            end: t.len(),
            name,
            key: span(0..0),
        }
    }

    #[test]
    fn uints() {
        let t = Text::verbatim(" 42 ", 0, 4);
        assert_eq!(
            param(&t, "limit").uint().unwrap(),
            Spanned::new(42, span(1..3))
        );
        for bad in ["", "-1", "+1", "1.0", "abc", "99999999999999999999"] {
            let t = Text::verbatim(bad, 0, bad.len());
            let e = param(&t, "limit").uint().unwrap_err();
            assert_eq!(
                e.kind(),
                &ErrorKind::ParameterInvalid {
                    name: "limit".into(),
                    expected: "a non-negative integer".into()
                }
            );
        }
    }

    #[test]
    fn booleans_and_directions() {
        for (s, b) in [("true", true), ("TRUE", true), ("False", false)] {
            let t = Text::verbatim(s, 0, s.len());
            assert_eq!(param(&t, "count").boolean().unwrap().node, b);
        }
        let t = Text::verbatim("yes", 0, 3);
        assert!(param(&t, "count").boolean().is_err());
        let t = Text::verbatim("DESC", 0, 4);
        assert!(param(&t, "sortDirection").direction().unwrap().node);
        let t = Text::verbatim("down", 0, 4);
        assert!(param(&t, "sortDirection").direction().is_err());
    }

    #[test]
    fn lists() {
        let s = "uuid, vmNics.ip ,name";
        let t = Text::verbatim(s, 0, s.len());
        let mut out = Vec::new();
        param(&t, "fields").path_list(&mut out).unwrap();
        let got: Vec<_> = out.iter().map(|p| (p.dotted(), p.span)).collect();
        assert_eq!(
            got,
            [
                ("uuid".into(), span(0..4)),
                ("vmNics.ip".into(), span(6..15)),
                ("name".into(), span(17..21))
            ]
        );
        for bad in ["", ",", "a,,b", "a, "] {
            let t = Text::verbatim(bad, 0, bad.len());
            let e = param(&t, "fields").path_list(&mut Vec::new()).unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::ParameterInvalid { .. }),
                "{bad}"
            );
        }
        let s = "-createDate, name,+uuid";
        let t = Text::verbatim(s, 0, s.len());
        let mut keys = Vec::new();
        param(&t, "sort").sort_list(&mut keys).unwrap();
        let got: Vec<_> = keys
            .iter()
            .map(|k| (k.path.dotted(), k.descending, k.path.span))
            .collect();
        assert_eq!(
            got,
            [
                ("createDate".into(), true, span(1..11)),
                ("name".into(), false, span(13..17)),
                ("uuid".into(), false, span(19..23))
            ]
        );
    }

    #[test]
    fn duplicates_report_both_places() {
        let mut seen = Seen::default();
        seen.once(Once::Limit, "limit", span(0..5), "x").unwrap();
        seen.once(Once::Start, "start", span(9..14), "x").unwrap();
        let e = seen
            .once(Once::Limit, "limit", span(20..25), "x")
            .unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterDuplicate {
                name: "limit".into()
            }
        );
        assert_eq!(
            (e.span(), e.aux_span()),
            (Some(span(20..25)), Some(span(0..5)))
        );
    }

    #[test]
    fn unknown_names_get_close_suggestions() {
        let known = [
            "q",
            "limit",
            "start",
            "count",
            "replyWithCount",
            "sort",
            "fields",
            "groupBy",
        ];
        let hint = |name: &str| {
            unknown("x", name, span(0..1), &known)
                .hint()
                .map(str::to_owned)
        };
        assert_eq!(hint("limt").as_deref(), Some("did you mean `limit`?"));
        assert_eq!(hint("Limit").as_deref(), Some("did you mean `limit`?"));
        assert_eq!(
            hint("replywithcount").as_deref(),
            Some("did you mean `replyWithCount`?")
        );
        assert_eq!(hint("groupby").as_deref(), Some("did you mean `groupBy`?"));
        assert_eq!(hint("feilds").as_deref(), Some("did you mean `fields`?"));
        assert_eq!(hint("name"), None);
        assert_eq!(hint("zz"), None);
        assert_eq!(hint(&"x".repeat(100_000)), None);
    }
}
