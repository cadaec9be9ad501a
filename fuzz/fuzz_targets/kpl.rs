//! KPL de-aggregation of arbitrary protobuf bodies (given the magic and a right digest half
//! of the time, to reach the protobuf parser).
#![no_main]
use kinesin_state::firehose::kpl;
use libfuzzer_sys::fuzz_target;
use md5::{Digest, Md5};

fuzz_target!(|data: &[u8]| {
    let _ = kpl::deaggregate(data);
    let mut framed = kpl::MAGIC.to_vec();
    framed.extend_from_slice(data);
    framed.extend_from_slice(&Md5::digest(data));
    if let Some(records) = kpl::deaggregate(&framed) {
        // What de-aggregates aggregates back to the same user records.
        let keys: Vec<&str> = records.iter().map(|r| r.partition_key.as_str()).collect();
        let plain: Vec<(u64, &[u8])> = records.iter().enumerate().map(|(i, r)| (i as u64, &r.data[..])).collect();
        if !records.is_empty() && records.iter().all(|r| r.explicit_hash_key.is_none()) {
            let again = kpl::deaggregate(&kpl::aggregate(&keys, &plain)).expect("aggregated records de-aggregate");
            assert_eq!(
                again.iter().map(|r| (&r.partition_key, &r.data)).collect::<Vec<_>>(),
                records.iter().map(|r| (&r.partition_key, &r.data)).collect::<Vec<_>>()
            );
        }
    }
});
