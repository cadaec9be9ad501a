//! A request's query string: its parameters (decoded, in order) and the subresources S3 has
//! that kinesin does not serve (other unknown parameters are ignored, as S3 ignores them).

use super::error::argument_named;
use super::Error;
use crate::percent;

/// S3's subresources kinesin does not serve as such (bucket settings among them are served by
/// name before this list is consulted).
pub const SUBRESOURCES: &[&str] = &[
    "acl",
    "tagging",
    "retention",
    "legal-hold",
    "torrent",
    "attributes",
    "restore",
    "select",
    "versioning",
    "cors",
    "lifecycle",
    "policy",
    "policyStatus",
    "website",
    "logging",
    "notification",
    "replication",
    "encryption",
    "ownershipControls",
    "publicAccessBlock",
    "accelerate",
    "requestPayment",
    "analytics",
    "inventory",
    "metrics",
    "intelligent-tiering",
    "object-lock",
    "renameObject",
    "session",
];

/// The decoded parameters of a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// The parameters of `raw` (the query string without `?`).
    pub fn parse(raw: &str) -> Self {
        Self { pairs: percent::query_pairs(raw) }
    }

    /// The value of the first parameter `name` (empty when it has no `=`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Whether parameter `name` is there.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    /// Whether the query names one of [`SUBRESOURCES`].
    pub fn subresource(&self) -> bool {
        self.pairs.iter().any(|(n, _)| SUBRESOURCES.contains(&n.as_str()))
    }
}

const PART_NUMBER: &str = "Part number must be an integer between 1 and 10000, inclusive";

/// `partNumber` of UploadPart: any integer (the store checks its range).
pub fn upload_part_number(v: &str) -> Result<i64, Error> {
    v.parse().map_err(|_| argument_named(PART_NUMBER, "partNumber"))
}

/// `partNumber` of GetObject and HeadObject: 1 to 10,000.
pub fn part_number(v: &str) -> Result<u64, Error> {
    v.parse().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| argument_named(PART_NUMBER, "partNumber"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_part_numbers() {
        let q = Query::parse("list-type=2&prefix=a%2Fb+c&uploads&prefix=x");
        assert_eq!(q.get("prefix"), Some("a/b c"));
        assert_eq!(q.get("uploads"), Some(""));
        assert!(q.has("list-type") && !q.has("delimiter") && !q.subresource());
        assert!(Query::parse("tagging").subresource());
        assert_eq!(upload_part_number("-3").unwrap(), -3);
        assert_eq!(upload_part_number("x").unwrap_err().code(), "InvalidArgument");
        assert_eq!(part_number("10000").unwrap(), 10_000);
        assert!(part_number("0").is_err() && part_number("10001").is_err());
    }
}
