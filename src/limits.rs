//! `limits`: every bound the engine enforces, with its default. Each one, when hit, is an
//! [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) naming the bound and its value.

/// The configurable bounds (design.md "Limits"). All are checked before any work that could grow
/// with them, so no input allocates or loops without bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of query text (default 1 MiB).
    pub max_input_length: usize,
    /// Conditions in one query (default 1,000).
    pub max_conditions: usize,
    /// Items in one `?=` / `!?=` list (default 10,000).
    pub max_in_list: usize,
    /// Hops in one dotted path, after alias expansion (default 8).
    pub max_path_depth: usize,
    /// Bytes in one value, or in one item of an IN list (default 4 KiB).
    pub max_value_length: usize,
    /// The largest `limit` (default 10,000; the default `limit` is 1,000).
    pub max_limit: u64,
    /// Sort keys (default 8).
    pub max_sort_keys: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_input_length: 1024 * 1024,
            max_conditions: 1_000,
            max_in_list: 10_000,
            max_path_depth: 8,
            max_value_length: 4 * 1024,
            max_limit: 10_000,
            max_sort_keys: 8,
        }
    }
}

/// The `limit` used when a query gives none (ZStack's `APIQueryMessage.limit` initializer).
pub const DEFAULT_LIMIT: u64 = 1000;
