//! S3 as the store serves it: bucket-name rules, Content-MD5 checks, objects under arbitrary
//! keys, and listings with arbitrary prefix, delimiter, start-after and max-keys (the input is
//! NUL-separated: bucket name, prefix, delimiter, start-after, then keys). Oracles: a listing
//! is sorted, within max-keys, under its prefix, and after its start.
#![no_main]
use kinesin_state::s3::{self, ListQuery};
use kinesin_state::{Ctx, Engine, ManualClock};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let fields: Vec<String> = data.split(|b| *b == 0).map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let field = |i: usize| fields.get(i).cloned().unwrap_or_default();
    let _ = s3::valid_bucket_name(&field(0));
    let _ = s3::check_content_md5(&field(0), data);
    let mut eng = Engine::memory(Arc::new(ManualClock::new(1_000)));
    let ctx = Ctx::new("000000000000", "us-east-1");
    if s3::create_bucket(&mut eng, &ctx, "fuzz".into()).is_err() {
        return;
    }
    for key in fields.iter().skip(4).take(64) {
        let _ = s3::put_object(&eng, "fuzz", key, key.as_bytes(), None);
    }
    let delimiter = Some(field(2)).filter(|d| !d.is_empty());
    let max_keys = data.len() % 7;
    let q = ListQuery { bucket: "fuzz".into(), prefix: field(1), delimiter, after: field(3), max_keys };
    let Ok(listing) = s3::list_objects(&mut eng, &ctx, q) else { return };
    let keys: Vec<&str> = listing.contents.iter().map(|m| m.key.as_str()).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "listing out of order: {keys:?}");
    assert!(keys.len() + listing.common_prefixes.len() <= max_keys.max(1));
    assert!(keys
        .iter()
        .copied()
        .chain(listing.common_prefixes.iter().map(String::as_str))
        .all(|k| k.starts_with(&field(1))));
    assert!(keys.iter().all(|k| *k > field(3).as_str()), "listed at or before start-after");
    let objects = fields.iter().skip(4).map(|k| (k.clone(), None)).collect();
    let _ = s3::delete_objects(&mut eng, &ctx, ("fuzz".into(), objects));
});
