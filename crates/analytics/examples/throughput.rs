//! Engine throughput (rows/s) for the shapes BENCHMARKS.md reports: a filter+projection
//! pump, a tumbling GROUP BY over 100 trucks, and a sliding window.
//! Run: `cargo run --release -p kinesin-analytics --example throughput`

use kinesin_analytics::{compile, Runtime, SqlType, StreamDef, Value};
use std::sync::Arc;
use std::time::Instant;

const ROWS: usize = 300_000;

fn input() -> StreamDef {
    StreamDef::new(
        "SOURCE_SQL_STREAM_001",
        &[("TRUCK_ID", SqlType::Varchar(Some(16))), ("SPEED", SqlType::Double), ("LAT", SqlType::Double)],
    )
}

fn run(label: &str, code: &str) {
    let program = compile(code, &[input()], &[]).expect("benchmark code compiles");
    let mut rt = Runtime::new(Arc::new(program));
    let trucks: Vec<String> = (0..100).map(|i| format!("truck-{i:03}")).collect();
    let started = Instant::now();
    let mut out = 0usize;
    for i in 0..ROWS {
        let row = vec![Value::Str(trucks[i % 100].clone()), Value::Double((i * 7 % 130) as f64), Value::Double(47.0)];
        out += rt.insert(0, i as i64, None, row).len();
    }
    out += rt.advance(ROWS as i64 + 60_000).len();
    let secs = started.elapsed().as_secs_f64();
    println!("{label:<28} {:>10.0} rows/s  ({out} rows entered streams)", ROWS as f64 / secs);
}

fn main() {
    run(
        "filter + projection",
        r#"CREATE OR REPLACE STREAM "OUT" (truck_id VARCHAR(16), speed DOUBLE);
           CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
           SELECT STREAM UPPER(truck_id), speed * 1.609 FROM "SOURCE_SQL_STREAM_001" WHERE speed > 60;"#,
    );
    run(
        "tumbling GROUP BY, 100 keys",
        r#"CREATE OR REPLACE STREAM "OUT" (truck_id VARCHAR(16), n INTEGER, avg_speed DOUBLE);
           CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
           SELECT STREAM truck_id, COUNT(*), AVG(speed) FROM "SOURCE_SQL_STREAM_001"
           GROUP BY truck_id, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND);"#,
    );
    run(
        "sliding ROWS 10 PRECEDING",
        r#"CREATE OR REPLACE STREAM "OUT" (truck_id VARCHAR(16), avg_speed DOUBLE);
           CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
           SELECT STREAM truck_id, AVG(speed) OVER (PARTITION BY truck_id ROWS 10 PRECEDING)
           FROM "SOURCE_SQL_STREAM_001";"#,
    );
}
