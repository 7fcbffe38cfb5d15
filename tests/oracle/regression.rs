//! Counter-examples the oracle found (shrunk), kept as fixed tests, and a few hand-written checks
//! of the same kind: each query, on its dataset, must give the oracle's rows on SQLite.

use super::agrees;

/// Hand-written: escaped `_` inside `%…%` on names rewritten to `_`, `%`, `\\` and case variants.
#[test]
fn like_escapes_and_case_on_a_perturbed_dataset() {
    agrees(3, "vm-instances?q=name~=%25\\_%25&sort=name");
}

/// Found by the oracle: `localStorageHostRef` (Volume → LocalStorageResourceRef, many) followed by
/// `image` (LocalStorageResourceRef → Image, one) was taken for a round trip back to the volume,
/// because the key columns match (`uuid` / `resourceUuid`), although it reaches an Image: the
/// condition landed on the volume (`VolumeVO.md5Sum`, no such column). A round trip must return to
/// the resource it left.
#[test]
fn a_hop_pair_with_matching_keys_to_another_resource_is_not_a_round_trip() {
    agrees(
        0,
        "volumes?q=localStorageHostRef.image.md5Sum=not%20calculated",
    );
    agrees(
        0,
        "volumes?q=localStorageHostRef.image.name!=null&count=true",
    );
}

/// Found by the oracle: sorting by a text field through a to-one hop was case-sensitive on
/// SQLite, whose scalar subquery loses the column's NOCASE collation (`Z` before `a`).
#[test]
fn sorting_through_a_to_one_hop_ignores_case() {
    agrees(1, "vm-instances/nics?sort=vmInstance.name");
    agrees(
        3,
        "vm-instances/nics?sort=-vmInstance.name,ip&limit=7&start=2",
    );
}
