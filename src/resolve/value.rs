//! Typing values: the text after the operator becomes a [`Param`] of the field's type, or an error
//! naming the field, its type and an example (design.md "Values are typed from the schema").
//! Input-facing: no indexing that a value could push out of bounds (the lint enforces it).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::error::{Error, ErrorKind, Span};
use crate::plan::Param;
use crate::schema::FieldType;

/// Reads `text` as a value of `ty` for `field`.
pub(crate) fn typed(
    text: &str,
    ty: &FieldType,
    field: &str,
    span: Span,
    input: &str,
) -> Result<Param, Error> {
    let wrong = || {
        Error::new(
            ErrorKind::ValueWrongType {
                field: field.into(),
                expected: ty.name().into(),
            },
            input,
        )
        .with_span(span)
        .with_hint(format!(
            "`{field}` is {} {}, e.g. `{field}={}`",
            article(ty.name()),
            ty.name(),
            ty.example()
        ))
    };
    match ty {
        FieldType::String => Ok(Param::Text(text.into())),
        FieldType::Integer => text.parse::<i64>().map(Param::Int).map_err(|_| wrong()),
        FieldType::Float => match text.parse::<f64>() {
            Ok(f)
                if f.is_finite()
                    && !text
                        .contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') =>
            {
                Ok(Param::Float(f))
            }
            _ => Err(wrong()),
        },
        FieldType::Boolean => {
            if text.eq_ignore_ascii_case("true") {
                Ok(Param::Bool(true))
            } else if text.eq_ignore_ascii_case("false") {
                Ok(Param::Bool(false))
            } else {
                Err(wrong())
            }
        }
        FieldType::Timestamp => normalize_timestamp(text)
            .map(|t| Param::Timestamp(t.into()))
            .ok_or_else(wrong),
        FieldType::Enum(values) => values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(text))
            .map(|v| Param::Text((*v).into()))
            .ok_or_else(|| {
                let mut hint = format!("`{field}` is one of: {}", values.join(", "));
                if let Some(c) = crate::suggest::closest(text, values.iter().copied()) {
                    hint = format!("did you mean `{c}`? {hint}");
                }
                Error::new(
                    ErrorKind::ValueNotInEnum {
                        field: field.into(),
                        allowed: values.iter().map(|v| (*v).to_owned()).collect(),
                    },
                    input,
                )
                .with_span(span)
                .with_hint(hint)
            }),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.f{1,9}]]` (or `T` instead of the space, optional trailing
/// `Z`) → `YYYY-MM-DD HH:MM:SS[.f]`, the storage form of design.md "SQLite storage". A date alone
/// means its midnight. Fields out of range (month 13, Feb 30) are rejected.
pub(crate) fn normalize_timestamp(text: &str) -> Option<String> {
    let t = text.strip_suffix('Z').unwrap_or(text);
    let byte = |i: usize| t.as_bytes().get(i).copied();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = t.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    if byte(4) != Some(b'-') || byte(7) != Some(b'-') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > days_in_month {
        return None;
    }
    let (mut h, mut mi, mut s, mut frac) = (0, 0, 0, "");
    if t.len() > 10 {
        if !matches!(byte(10), Some(b' ' | b'T')) || byte(13) != Some(b':') {
            return None;
        }
        h = num(11..13)?;
        mi = num(14..16)?;
        if t.len() > 16 {
            if byte(16) != Some(b':') {
                return None;
            }
            s = num(17..19)?;
            if t.len() > 19 {
                let f = t.get(19..)?;
                let digits = f.strip_prefix('.')?;
                if digits.is_empty()
                    || digits.len() > 9
                    || !digits.bytes().all(|c| c.is_ascii_digit())
                {
                    return None;
                }
                frac = f;
            }
        }
        if h > 23 || mi > 59 || s > 59 {
            return None;
        }
    } else if t.len() != 10 {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let frac = if frac == "." { "" } else { frac };
    Some(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{frac}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_normalize() {
        assert_eq!(
            normalize_timestamp("2024-01-31").as_deref(),
            Some("2024-01-31 00:00:00")
        );
        assert_eq!(
            normalize_timestamp("2024-01-31T10:20").as_deref(),
            Some("2024-01-31 10:20:00")
        );
        assert_eq!(
            normalize_timestamp("2024-01-31 10:20:30.500Z").as_deref(),
            Some("2024-01-31 10:20:30.5")
        );
        assert_eq!(
            normalize_timestamp("2024-02-29 00:00:00").as_deref(),
            Some("2024-02-29 00:00:00")
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "yesterday",
            "2024-01-01 24:00:00",
            "2024-01-01 10",
            "",
            "2024-01-01 10:00:00.",
            "2024-1-01",
        ] {
            assert_eq!(normalize_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn values_are_typed() {
        let s = Span::new(0, 1);
        assert_eq!(
            typed("42", &FieldType::Integer, "cpuNum", s, "").ok(),
            Some(Param::Int(42))
        );
        assert_eq!(
            typed("abc", &FieldType::Integer, "cpuNum", s, "").map_err(|e| e.code()),
            Err("invalid-value")
        );
        assert_eq!(
            typed("TRUE", &FieldType::Boolean, "system", s, "").ok(),
            Some(Param::Bool(true))
        );
        assert_eq!(
            typed("false or 1=1", &FieldType::Boolean, "system", s, "").map_err(|e| e.code()),
            Err("invalid-value")
        );
        assert_eq!(
            typed("inf", &FieldType::Float, "x", s, "").map_err(|e| e.code()),
            Err("invalid-value")
        );
        let e = FieldType::Enum(vec!["Running", "Stopped"].into());
        assert_eq!(
            typed("running", &e, "state", s, "").ok(),
            Some(Param::Text("Running".into()))
        );
        let err = typed("Runing", &e, "state", s, "").unwrap_err();
        assert_eq!(err.code(), "invalid-enum-value");
        assert_eq!(
            err.hint(),
            Some("did you mean `Running`? `state` is one of: Running, Stopped")
        );
    }
}
