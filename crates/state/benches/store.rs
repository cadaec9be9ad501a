//! Store-thread cost of the Kinesis hot path, without HTTP: PutRecords of 500 x 100 B records
//! over 4 shards, and GetRecords of 10,000, on the ephemeral and the durable store.
//! `cargo bench -p kinesin-state` prints records/s; BENCHMARKS.md records the figures.

use kinesin_protocol::kinesis::*;
use kinesin_state::kinesis::records::{self, PreparedPutRecords};
use kinesin_state::kinesis::streams;
use kinesin_state::{Ctx, Engine, Settings, Storage, SystemClock};
use std::sync::Arc;
use std::time::Instant;

fn batch(n: usize, round: usize) -> PutRecordsInput {
    PutRecordsInput {
        stream_name: Some("bench".into()),
        stream_arn: None,
        records: (0..n)
            .map(|i| PutRecordsEntry {
                data: vec![b'x'; 100],
                partition_key: format!("key-{round}-{i}"),
                explicit_hash_key: None,
            })
            .collect(),
    }
}

fn run(label: &str, storage: Storage) {
    let ctx = Ctx::new("000000000000", "us-east-1");
    let mut eng = Engine::open(&storage, Arc::new(SystemClock::default()), Settings::default()).expect("open store");
    streams::create(
        &mut eng,
        &ctx,
        CreateStreamInput {
            stream_name: "bench".into(),
            shard_count: Some(4),
            stream_mode_details: None,
            tags: None,
            max_record_size_in_kib: None,
            warm_throughput_mibps: None,
        },
    )
    .expect("create");
    let rounds = 400;
    let inputs: Vec<PreparedPutRecords> = (0..rounds).map(|r| batch(500, r).into()).collect();
    let start = Instant::now();
    for (r, input) in inputs.into_iter().enumerate() {
        // Four requests per transaction, as group commit does under 4 concurrent clients.
        if r % 4 == 0 {
            eng.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        }
        eng.in_savepoint(|eng| records::put_records(eng, &ctx, input)).expect("put");
        if r % 4 == 3 {
            eng.conn.execute_batch("COMMIT").unwrap();
        }
    }
    let put = (rounds * 500) as f64 / start.elapsed().as_secs_f64();
    let it = records::get_shard_iterator(
        &mut eng,
        &ctx,
        GetShardIteratorInput {
            stream: StreamRef { stream_name: Some("bench".into()), stream_arn: None },
            shard_id: "shardId-000000000000".into(),
            shard_iterator_type: "TRIM_HORIZON".into(),
            starting_sequence_number: None,
            timestamp: None,
        },
    )
    .unwrap()
    .shard_iterator;
    let start = Instant::now();
    let mut read = 0;
    let mut next = Some(it);
    while let Some(it) = next {
        let out =
            records::get_records(&mut eng, &ctx, GetRecordsInput { shard_iterator: it, limit: None, stream_arn: None })
                .unwrap();
        read += out.records.len();
        next = if out.records.is_empty() { None } else { out.next_shard_iterator };
    }
    let get = read as f64 / start.elapsed().as_secs_f64();
    println!("{label}: PutRecords {put:.0} records/s on the store thread; GetRecords {get:.0} records/s ({read} read)");
}

fn main() {
    run("ephemeral", Storage::Ephemeral);
    let dir = std::env::temp_dir().join(format!("kinesin-bench-{}", std::process::id()));
    run("durable", Storage::Durable(dir.clone()));
    let _ = std::fs::remove_dir_all(dir);
}
