//! The signing vectors in `tests/data/codecommit-passwords.txt`, made with
//! botocore as the AWS CLI calls it.

use std::collections::HashMap;

use crate::support::manifest_dir;

/// Every vector, as its fields by name.
pub(crate) fn records() -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(manifest_dir().join("tests/data/codecommit-passwords.txt"))
        .expect("the vector file");
    text.split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter(|line| !line.starts_with('#'))
                .filter_map(|line| line.split_once(": ").or_else(|| line.split_once(':')))
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect::<HashMap<_, _>>()
        })
        .filter(|record| !record.is_empty())
        .collect()
}
