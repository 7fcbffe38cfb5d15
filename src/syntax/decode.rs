//! Decoded text that still knows where each byte came from.
//!
//! The REST form is percent-encoded (grammar rules `pct-encoded`, `query-char`), CLI words may be quoted
//! (`cli-word`) and JSON strings may hold escapes (`json-string`). Every node of the AST must nevertheless carry
//! a [`Span`] into the text the user sent. A [`Text`] is one decoded piece of input plus, when decoding changed
//! anything, a map from each decoded byte to the raw bytes it came from. When nothing changed (the common case)
//! there is no map and slices borrow from the input.

use std::borrow::Cow;

use crate::error::{Error, ErrorKind, Span};

/// One piece of the input after decoding (percent-decoding, unquoting or JSON unescaping).
#[derive(Clone, Debug)]
pub(crate) struct Text<'a> {
    /// The whole text the user sent; spans index into it.
    input: &'a str,
    /// The decoded text.
    text: Cow<'a, str>,
    /// Where the raw piece starts in `input` (used when there is no map).
    base: usize,
    /// Where each decoded byte came from in `input`; `None` when the decoded text is the raw text
    /// itself, starting at `base`.
    map: Option<RawMap>,
}

/// Where the decoded bytes of a [`Text`] came from.
#[derive(Clone, Debug)]
enum RawMap {
    /// For each decoded byte, the raw byte range `[start, end)` (unquoting, JSON unescaping).
    Each(Vec<(usize, usize)>),
    /// Percent-decoding: the decoded indices that came from a `%XX` (three raw bytes), ascending;
    /// every other decoded byte came from one raw byte (`+` included). Sparse: a value with one
    /// escape has one entry, not one per byte.
    Escapes(Vec<usize>),
}

impl RawMap {
    /// The raw offset (from the piece's start `base`) where decoded byte `i` starts; past the end
    /// (`i >= len`), where the raw piece ends.
    fn start_of(&self, base: usize, len: usize, i: usize) -> usize {
        match self {
            RawMap::Each(map) => match map.get(i) {
                Some(&(s, _)) => s,
                None => map.last().map_or(base, |&(_, e)| e),
            },
            RawMap::Escapes(escapes) => {
                let i = i.min(len);
                base + i + 2 * escapes.partition_point(|&e| e < i)
            }
        }
    }

    /// The raw offset where decoded byte `i` ends (`None` past the end).
    fn end_of(&self, base: usize, len: usize, i: usize) -> Option<usize> {
        match self {
            RawMap::Each(map) => map.get(i).map(|&(_, e)| e),
            RawMap::Escapes(escapes) if i < len => {
                let width = if escapes.binary_search(&i).is_ok() {
                    3
                } else {
                    1
                };
                Some(self.start_of(base, len, i) + width)
            }
            RawMap::Escapes(_) => None,
        }
    }
}

impl<'a> Text<'a> {
    /// The raw bytes `start..end` of `input`, unchanged. An out-of-range or non-boundary range gives an empty
    /// text rather than a panic.
    pub(crate) fn verbatim(input: &'a str, start: usize, end: usize) -> Text<'a> {
        match input.get(start..end) {
            Some(text) => Text {
                input,
                text: Cow::Borrowed(text),
                base: start,
                map: None,
            },
            None => Text {
                input,
                text: Cow::Borrowed(""),
                base: start.min(input.len()),
                map: None,
            },
        }
    }

    /// A decoded text with its map (`map.len() == text.len()`); `start` is the raw offset where the piece
    /// starts, used for the span of an empty text.
    pub(crate) fn mapped(
        input: &'a str,
        text: String,
        map: Vec<(usize, usize)>,
        start: usize,
    ) -> Text<'a> {
        debug_assert_eq!(text.len(), map.len());
        Text {
            input,
            text: Cow::Owned(text),
            base: start,
            map: Some(RawMap::Each(map)),
        }
    }

    /// The decoded text, borrowed from the input when nothing was decoded.
    pub(crate) fn into_cow(self) -> Cow<'a, str> {
        self.text
    }

    /// The decoded text.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The whole input the spans index into.
    pub(crate) fn input(&self) -> &'a str {
        self.input
    }

    /// The decoded length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// The span in the input of the decoded bytes `start..end`.
    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        match &self.map {
            None => Span::new(self.base + start, self.base + end.max(start)),
            Some(map) => {
                let len = self.text.len();
                let at = |i: usize| map.start_of(self.base, len, i);
                if end <= start {
                    let p = at(start);
                    return Span::new(p, p);
                }
                let s = at(start);
                let e = match end
                    .checked_sub(1)
                    .and_then(|i| map.end_of(self.base, len, i))
                {
                    Some(e) => e,
                    None => at(end),
                };
                Span::new(s, e.max(s))
            }
        }
    }

    /// The decoded bytes `start..end`, borrowed from the input whenever the raw text there is identical.
    pub(crate) fn slice(&self, start: usize, end: usize) -> Cow<'a, str> {
        if let (Cow::Borrowed(text), None) = (&self.text, &self.map) {
            return Cow::Borrowed(text.get(start..end).unwrap_or(""));
        }
        let decoded = self.text.get(start..end).unwrap_or("");
        let span = self.span(start, end);
        match self.input.get(span.start..span.end) {
            Some(raw) if raw == decoded => Cow::Borrowed(raw),
            _ => Cow::Owned(decoded.to_owned()),
        }
    }

    /// The decoded bytes from `start` to the end, consuming the text: a decoded (owned) text gives
    /// up its buffer rather than being copied.
    pub(crate) fn into_tail(self, start: usize) -> Cow<'a, str> {
        match self.text {
            Cow::Borrowed(text) => Cow::Borrowed(text.get(start..).unwrap_or("")),
            Cow::Owned(mut text) if text.is_char_boundary(start) => {
                text.drain(..start);
                Cow::Owned(text)
            }
            Cow::Owned(_) => Cow::Borrowed(""),
        }
    }

    /// An error of `kind` about the decoded bytes `start..end`.
    #[cold]
    pub(crate) fn error(&self, kind: ErrorKind, start: usize, end: usize) -> Error {
        Error::new(kind, self.input).with_span(self.span(start, end))
    }
}

/// Decodes the raw bytes `start..end` of `input` as `application/x-www-form-urlencoded` (grammar rule
/// `query-text`): `%XX` is the byte XX and `+` is a space. Without a `%` or `+` this borrows and allocates
/// nothing.
///
/// # Errors
///
/// [`ErrorKind::SyntaxPercentEncoding`] on a `%` not followed by two hex digits (span: the `%` and what follows
/// it, at most two characters) or when the decoded bytes are not UTF-8 (span: the raw bytes of the bad sequence).
pub(crate) fn percent_decode(input: &str, start: usize, end: usize) -> Result<Text<'_>, Error> {
    let raw = input.get(start..end).unwrap_or("");
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(Text::verbatim(input, start, end));
    }
    let mut escapes = Vec::new();
    let out = decode_bytes(raw.as_bytes(), |at| escapes.push(at))
        .map_err(|i| bad_escape(input, raw, start, i))?;
    match String::from_utf8(out) {
        Ok(text) => Ok(Text {
            input,
            text: Cow::Owned(text),
            base: start,
            map: Some(RawMap::Escapes(escapes)),
        }),
        Err(e) => {
            let bad = e.utf8_error();
            let decoded_len = e.as_bytes().len();
            let map = RawMap::Escapes(escapes);
            let from = bad.valid_up_to();
            let to = from
                + bad
                    .error_len()
                    .unwrap_or(decoded_len.saturating_sub(from))
                    .max(1);
            let s = map.start_of(start, decoded_len, from);
            let e = map
                .end_of(start, decoded_len, to - 1)
                .unwrap_or(start + raw.len());
            Err(Error::new(ErrorKind::SyntaxPercentEncoding, input)
                .with_span(Span::new(s, e.max(s)))
                .with_hint("percent-encoded bytes must form UTF-8 text"))
        }
    }
}

/// The decoded bytes of `bytes` (`%XX` → the byte XX, `+` → a space), plain runs copied whole;
/// `escape` hears the decoded index of each `%XX`. `Err`: the raw index of a `%` not followed by
/// two hex digits.
fn decode_bytes(bytes: &[u8], mut escape: impl FnMut(usize)) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    loop {
        let rest = bytes.get(i..).unwrap_or_default();
        let run = rest
            .iter()
            .position(|&b| b == b'%' || b == b'+')
            .unwrap_or(rest.len());
        out.extend_from_slice(rest.get(..run).unwrap_or_default());
        i += run;
        match bytes.get(i) {
            Some(b'%') => {
                let b = escaped_byte(bytes, i).ok_or(i)?;
                escape(out.len());
                out.push(b);
                i += 3;
            }
            Some(_) => {
                out.push(b' ');
                i += 1;
            }
            None => return Ok(out),
        }
    }
}

/// The byte of the `%XX` escape at `i` in `bytes` (`None`: not two hex digits).
fn escaped_byte(bytes: &[u8], i: usize) -> Option<u8> {
    let hex = |k: usize| bytes.get(k).and_then(|&h| (h as char).to_digit(16));
    // Both digits are < 16, so the byte fits.
    Some((hex(i + 1)? * 16 + hex(i + 2)?) as u8)
}

/// The error for a `%` at raw index `i` of `raw` (which starts at `start` in `input`) not followed
/// by two hex digits: the span covers the `%` and at most two characters after it.
#[cold]
fn bad_escape(input: &str, raw: &str, start: usize, i: usize) -> Error {
    let at = start + i;
    let tail: usize = raw
        .get(i + 1..)
        .unwrap_or("")
        .chars()
        .take(2)
        .map(char::len_utf8)
        .sum();
    Error::new(ErrorKind::SyntaxPercentEncoding, input)
        .with_span(Span::new(at, at + 1 + tail))
        .with_hint("write a literal `%` as `%25`")
}

impl<'a> Text<'a> {
    /// A decoded text without the map back to the input, for readers that need no spans (the
    /// statement-shape cache): its spans are not meaningful.
    pub(crate) fn unmapped(input: &'a str, text: Cow<'a, str>, start: usize) -> Text<'a> {
        Text {
            input,
            text,
            base: start,
            map: None,
        }
    }
}

/// The text [`percent_decode`] gives for `raw`, a text known to hold a `%` or a `+`, without the
/// map; `None` where [`percent_decode`] fails.
pub(crate) fn decode_escaped(raw: &str) -> Option<String> {
    String::from_utf8(decode_bytes(raw.as_bytes(), |_| {}).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(r: std::ops::Range<usize>) -> Span {
        Span::from(r)
    }

    #[test]
    fn decoding_without_map_gives_the_same_text() {
        for raw in [
            "a%3Db+c%C3%A9",
            "%25",
            "x=%C3%28",
            "ab%zz",
            "ab%4",
            "+",
            "%",
            "a+%41",
        ] {
            let full = percent_decode(raw, 0, raw.len()).ok();
            let text = decode_escaped(raw);
            assert_eq!(full.as_ref().map(Text::as_str), text.as_deref(), "{raw}");
        }
    }

    /// The sparse escape map gives every span the per-byte map gives.
    #[test]
    fn escape_map_spans_equal_per_byte_spans() {
        for input in [
            "q=a%3Db+c%C3%A9",
            "x=%25%25",
            "x=++%41+",
            "x=%C3%A9%C3%A9z",
            "x=+",
        ] {
            let t = percent_decode(input, 2, input.len()).unwrap();
            // The per-byte map, as the decoder used to build it.
            let raw = &input.as_bytes()[2..];
            let (mut each, mut i) = (Vec::new(), 0);
            while i < raw.len() {
                let w = if raw[i] == b'%' { 3 } else { 1 };
                each.push((2 + i, 2 + i + w));
                i += w;
            }
            let dense = Text::mapped(input, t.as_str().to_owned(), each, 2);
            for a in 0..=t.len() + 1 {
                for b in 0..=t.len() + 1 {
                    assert_eq!(t.span(a, b), dense.span(a, b), "{input} {a}..{b}");
                }
            }
        }
    }

    #[test]
    fn plain_text_borrows() {
        let t = percent_decode("q=name=vm1", 2, 10).unwrap();
        assert_eq!(t.as_str(), "name=vm1");
        assert!(matches!(t.slice(5, 8), Cow::Borrowed("vm1")));
        assert_eq!(t.span(5, 8), span(7..10));
    }

    #[test]
    fn percent_and_plus_decode_with_spans() {
        // q=a%3Db+c%C3%A9
        let input = "q=a%3Db+c%C3%A9";
        let t = percent_decode(input, 2, input.len()).unwrap();
        assert_eq!(t.as_str(), "a=b cé");
        assert_eq!(t.span(0, 1), span(2..3));
        assert_eq!(t.span(1, 2), span(3..6));
        assert_eq!(t.span(3, 4), span(7..8));
        assert_eq!(t.span(5, 7), span(9..15));
        assert_eq!(t.span(7, 7), span(15..15));
        assert_eq!(t.span(0, t.len()), span(2..15));
        // `a` is the same raw and decoded, so it borrows; `b c` does not.
        assert!(matches!(t.slice(0, 1), Cow::Borrowed("a")));
        assert!(matches!(t.slice(2, 5), Cow::Owned(ref s) if s == "b c"));
    }

    #[test]
    fn bad_escape_is_an_error_on_the_percent() {
        for (input, sp) in [
            ("ab%zz", 2..5),
            ("ab%", 2..3),
            ("ab%4", 2..4),
            ("a%é", 1..4),
        ] {
            let e = percent_decode(input, 0, input.len()).unwrap_err();
            assert_eq!(e.kind(), &ErrorKind::SyntaxPercentEncoding, "{input}");
            assert_eq!(e.span(), Some(span(sp)), "{input}");
        }
    }

    #[test]
    fn invalid_utf8_is_an_error_on_the_bytes() {
        let e = percent_decode("x=%C3%28", 2, 8).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::SyntaxPercentEncoding);
        assert_eq!(e.span(), Some(span(2..5)));
        let e = percent_decode("x=ab%E2%82", 2, 10).unwrap_err();
        assert_eq!(e.span(), Some(span(4..10)));
    }
}
