//! `suggest`: "did you mean" for names (edit distance over the names valid at that point).

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, so `nmae` is one
/// edit from `name`) over ASCII-lowercased bytes, stopping early above `cap`.
pub(crate) fn distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    let w = b.len() + 1;
    // Three rows: i-2, i-1, i.
    let mut rows = vec![vec![0usize; w]; 3];
    for (j, cell) in rows[1].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i;
        let mut row_min = i;
        for j in 1..w {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[prev][j - 1] + cost)
                .min(rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = d;
            row_min = row_min.min(d);
        }
        if row_min > cap {
            return cap + 1;
        }
    }
    rows[a.len() % 3 + if a.is_empty() { 1 } else { 0 }][b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely typo: a case-only
/// difference, or an edit distance of at most a third of the name's length (at least 1, at most 3).
pub(crate) fn closest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let cap = (name.len() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = if c.eq_ignore_ascii_case(name) {
            0
        } else {
            distance(name, c, cap)
        };
        if d <= cap && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_case() {
        assert_eq!(
            closest("l3Netwrok", ["l3Network", "vmInstance"]),
            Some("l3Network")
        );
        assert_eq!(closest("Name", ["name", "uuid"]), Some("name"));
        assert_eq!(closest("limt", ["limit", "start"]), Some("limit"));
        assert_eq!(closest("zzzzzz", ["name", "uuid"]), None);
        assert_eq!(closest("nmae", ["name", "uuid"]), Some("name"));
    }

    #[test]
    fn distance_is_levenshtein() {
        assert_eq!(distance("kitten", "sitting", 10), 3);
        assert_eq!(distance("", "abc", 10), 3);
        assert_eq!(distance("abc", "abc", 0), 0);
        assert_eq!(distance("nmae", "name", 3), 1);
        assert_eq!(distance("abc", "", 10), 3);
    }
}
