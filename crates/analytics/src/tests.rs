//! Whole-engine tests: application code from AWS's developer guide over rows with explicit
//! ROWTIMEs, outputs compared with results computed independently here.

use crate::*;
use std::collections::BTreeMap;
use std::sync::Arc;

fn ticker_input() -> StreamDef {
    StreamDef::new(
        "SOURCE_SQL_STREAM_001",
        &[
            ("TICKER_SYMBOL", SqlType::Varchar(Some(4))),
            ("SECTOR", SqlType::Varchar(Some(16))),
            ("CHANGE", SqlType::Double),
            ("PRICE", SqlType::Double),
        ],
    )
}

fn tick(sym: &str, sector: &str, change: f64, price: f64) -> Vec<Value> {
    vec![Value::Str(sym.into()), Value::Str(sector.into()), Value::Double(change), Value::Double(price)]
}

fn runtime(code: &str) -> Runtime {
    Runtime::new(Arc::new(compile(code, &[ticker_input()], &[]).unwrap()))
}

fn rows_of(rt: &Runtime, out: &[Emitted], stream: &str) -> Vec<(i64, Vec<Value>)> {
    let idx = rt.program().stream_index(stream).unwrap();
    out.iter().filter(|e| e.stream == idx).map(|e| (e.rowtime, e.values.clone())).collect()
}

/// A small deterministic generator of ticks (no randomness in tests).
fn ticks(n: usize) -> Vec<(i64, Vec<Value>)> {
    let syms = ["AMZN", "TBV", "QXZ", "WAS"];
    (0..n)
        .map(|i| {
            let price = 10.0 + (i * 37 % 101) as f64;
            let change = ((i * 13 % 21) as f64) - 10.0;
            (i as i64 * 700, tick(syms[i % 4], "TECH", change, price))
        })
        .collect()
}

#[test]
fn filter_and_projection_like_the_getting_started_app() {
    let code = r#"CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), change DOUBLE, price DOUBLE);
        CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker_symbol, change, price FROM "SOURCE_SQL_STREAM_001"
        WHERE sector SIMILAR TO '%TECH%' AND change > 0;"#;
    let mut rt = runtime(code);
    let input = ticks(50);
    let mut got = Vec::new();
    for (t, row) in &input {
        let out = rt.insert(0, *t, Some(*t), row.clone());
        got.extend(rows_of(&rt, &out, "DESTINATION_SQL_STREAM"));
    }
    let want: Vec<(i64, Vec<Value>)> = input
        .iter()
        .filter(|(_, r)| r[2].as_f64().unwrap() > 0.0)
        .map(|(t, r)| (*t, vec![r[0].clone(), r[2].clone(), r[3].clone()]))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
}

#[test]
fn tumbling_window_emits_when_time_passes_its_end() {
    let code = r#"CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), ticker_count INTEGER, avg_price DOUBLE);
        CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker_symbol, COUNT(*) AS ticker_count, AVG(price)
        FROM "SOURCE_SQL_STREAM_001"
        GROUP BY ticker_symbol, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND);"#;
    let mut rt = runtime(code);
    let input = ticks(60); // 0 .. 41.3 s
    let mut got = Vec::new();
    for (t, row) in &input {
        let out = rt.insert(0, *t, None, row.clone());
        got.extend(rows_of(&rt, &out, "DESTINATION_SQL_STREAM"));
    }
    // Nothing of the last window (40 s..50 s) yet; all of it once time reaches 50 s.
    assert!(got.iter().all(|(t, _)| *t <= 40_000));
    assert!(rt.advance(49_999).is_empty());
    let out = rt.advance(50_000);
    got.extend(rows_of(&rt, &out, "DESTINATION_SQL_STREAM"));
    let mut want: BTreeMap<(i64, String), (i64, f64)> = BTreeMap::new();
    for (t, r) in &input {
        let e = want.entry((t / 10_000 * 10_000 + 10_000, r[0].to_text().unwrap())).or_default();
        e.0 += 1;
        e.1 += r[3].as_f64().unwrap();
    }
    let want: Vec<(i64, Vec<Value>)> = want
        .into_iter()
        .map(|((end, sym), (n, sum))| (end, vec![Value::Str(sym), Value::Int(n), Value::Double(sum / n as f64)]))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn floor_rowtime_to_minute_groups_and_having_filters() {
    let code = r#"CREATE OR REPLACE STREAM "OUT" ("sym" VARCHAR(4), "n" BIGINT, "hi" DOUBLE);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
        SELECT STREAM ticker_symbol, COUNT(*), MAX(price) FROM "SOURCE_SQL_STREAM_001"
        GROUP BY ticker_symbol, FLOOR("SOURCE_SQL_STREAM_001".ROWTIME TO MINUTE)
        HAVING COUNT(*) > 2;"#;
    let mut rt = runtime(code);
    for (t, r) in [
        (1_000, tick("A", "X", 1.0, 5.0)),
        (2_000, tick("A", "X", 1.0, 7.0)),
        (3_000, tick("B", "X", 1.0, 1.0)),
        (59_000, tick("A", "X", 1.0, 6.0)),
    ] {
        rt.insert(0, t, None, r);
    }
    let out = rt.advance(60_000);
    assert_eq!(
        rows_of(&rt, &out, "OUT"),
        vec![(60_000, vec![Value::Str("A".into()), Value::Int(3), Value::Double(7.0)])]
    );
}

#[test]
fn sliding_windows_range_and_rows() {
    let code = r#"CREATE OR REPLACE STREAM "OUT" (sym VARCHAR(4), avg_1m DOUBLE, max_3 DOUBLE);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
        SELECT STREAM ticker_symbol,
            AVG(price) OVER (PARTITION BY ticker_symbol RANGE INTERVAL '1' MINUTE PRECEDING),
            MAX(price) OVER w3
        FROM "SOURCE_SQL_STREAM_001"
        WINDOW w3 AS (PARTITION BY ticker_symbol ROWS 2 PRECEDING);"#;
    let mut rt = runtime(code);
    let input: Vec<(i64, Vec<Value>)> =
        (0..40).map(|i| (i * 7_000, tick(["X", "Y"][i as usize % 2], "S", 0.0, ((i * 31) % 17) as f64))).collect();
    let mut got = Vec::new();
    for (t, r) in &input {
        let out = rt.insert(0, *t, None, r.clone());
        got.extend(rows_of(&rt, &out, "OUT"));
    }
    for (i, (t, row)) in got.iter().enumerate() {
        let sym = &input[i].1[0];
        let same: Vec<&(i64, Vec<Value>)> = input[..=i].iter().filter(|(_, r)| &r[0] == sym).collect();
        let in_range: Vec<f64> =
            same.iter().filter(|(u, _)| *u >= t - 60_000).map(|(_, r)| r[3].as_f64().unwrap()).collect();
        let avg = in_range.iter().sum::<f64>() / in_range.len() as f64;
        let max3 = same.iter().rev().take(3).map(|(_, r)| r[3].as_f64().unwrap()).fold(f64::MIN, f64::max);
        assert_eq!(row, &vec![sym.clone(), Value::Double(avg), Value::Double(max3)], "row {i}");
    }
}

#[test]
fn chained_streams_and_reference_join() {
    let code = r#"CREATE OR REPLACE STREAM "TECH" (sym VARCHAR(4), price DOUBLE);
        CREATE OR REPLACE STREAM "NAMED" (sym VARCHAR(4), company VARCHAR(32), price DOUBLE);
        CREATE OR REPLACE PUMP "P1" AS INSERT INTO "TECH"
            SELECT STREAM ticker_symbol, price FROM "SOURCE_SQL_STREAM_001" WHERE sector = 'TECH';
        CREATE OR REPLACE PUMP "P2" AS INSERT INTO "NAMED"
            SELECT STREAM t.sym, c."Company", t.price FROM "TECH" AS t
            LEFT JOIN "CompanyName" AS c ON t.sym = c."Ticker";"#;
    let table = StreamDef::new(
        "CompanyName",
        &[("Ticker", SqlType::Varchar(Some(4))), ("Company", SqlType::Varchar(Some(32)))],
    );
    let mut rt = Runtime::new(Arc::new(compile(code, &[ticker_input()], &[table]).unwrap()));
    rt.set_table(0, vec![vec![Value::Str("AMZN".into()), Value::Str("Amazon".into())]]);
    rt.insert(0, 1, None, tick("AMZN", "TECH", 1.0, 100.0));
    let out = rt.insert(0, 2, None, tick("QXZ", "TECH", 1.0, 5.0));
    rt.insert(0, 3, None, tick("AMZN", "RETAIL", 1.0, 5.0));
    assert_eq!(rows_of(&rt, &out, "NAMED"), vec![(2, vec![Value::Str("QXZ".into()), Value::Null, Value::Double(5.0)])]);
    let out = rt.insert(0, 4, None, tick("AMZN", "TECH", 1.0, 101.0));
    assert_eq!(rows_of(&rt, &out, "NAMED")[0].1[1], Value::Str("Amazon".into()));
}

#[test]
fn string_transformations_and_null_semantics() {
    let code = r#"CREATE OR REPLACE STREAM "OUT" (a VARCHAR(32), b INTEGER, c VARCHAR(8), d BOOLEAN);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
        SELECT STREAM LOWER(ticker_symbol) || '-' || SUBSTRING(sector FROM 1 FOR 3),
            POSITION('E' IN sector), CASE WHEN price > 10 THEN 'high' ELSE NULL END,
            price IS NULL OR change > 0
        FROM "SOURCE_SQL_STREAM_001";"#;
    let mut rt = runtime(code);
    let out = rt.insert(0, 1, None, tick("AMZN", "RETAIL", -1.0, 5.0));
    assert_eq!(
        rows_of(&rt, &out, "OUT")[0].1,
        vec![Value::Str("amzn-RET".into()), Value::Int(2), Value::Null, Value::Bool(false)]
    );
    let out = rt.insert(0, 2, None, vec![Value::Str("X".into()), Value::Null, Value::Null, Value::Null]);
    assert_eq!(rows_of(&rt, &out, "OUT")[0].1, vec![Value::Null, Value::Null, Value::Null, Value::Bool(true)]);
}

#[test]
fn failed_coercion_and_evaluation_go_to_the_error_stream() {
    let code = r#"CREATE OR REPLACE STREAM "OUT" (n TINYINT, q DOUBLE);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
        SELECT STREAM CAST(price AS INTEGER), 1 / CAST(change AS INTEGER) FROM "SOURCE_SQL_STREAM_001";"#;
    let mut rt = runtime(code);
    let out = rt.insert(0, 5, None, tick("A", "S", 0.0, 1.0));
    let errors = rows_of(&rt, &out, ERROR_STREAM);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].1[2], Value::Str("Evaluation error".into()));
    assert_eq!(errors[0].1[3], Value::Str("Division by zero".into()));
    assert_eq!(errors[0].1[6], Value::Str("P".into()));
    let hex: String = "A,S,0.0,1.0".bytes().map(|b| format!("{b:02x}")).collect();
    assert_eq!(errors[0].1[5], Value::Str(hex));
    let out = rt.insert(0, 6, None, tick("A", "S", 1.0, 1000.0));
    let errors = rows_of(&rt, &out, ERROR_STREAM);
    assert_eq!(errors[0].1[2], Value::Str("Type conversion error".into()));
    assert!(rows_of(&rt, &out, "OUT").is_empty());
}

#[test]
fn window_state_survives_a_checkpoint() {
    let code = r#"CREATE OR REPLACE STREAM "OUT" (sym VARCHAR(4), n INTEGER);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
        SELECT STREAM ticker_symbol, COUNT(*) FROM "SOURCE_SQL_STREAM_001"
        GROUP BY ticker_symbol, STEP(ROWTIME BY INTERVAL '1' MINUTE);"#;
    let mut rt = runtime(code);
    rt.insert(0, 1_000, None, tick("A", "S", 0.0, 1.0));
    rt.insert(0, 2_000, None, tick("A", "S", 0.0, 1.0));
    let saved = serde_json::to_string(rt.state()).unwrap();
    let mut again = runtime(code);
    again.restore(serde_json::from_str(&saved).unwrap());
    again.insert(0, 3_000, None, tick("A", "S", 0.0, 1.0));
    let out = again.advance(60_000);
    assert_eq!(rows_of(&again, &out, "OUT"), vec![(60_000, vec![Value::Str("A".into()), Value::Int(3)])]);
}

#[test]
fn invalid_code_is_refused_with_its_position() {
    let input = [ticker_input()];
    let cases = [
        ("CREATE OR REPLACE STREAM \"O\" (a INTEGER);\nCREATE OR REPLACE PUMP p AS INSERT INTO \"O\"\n  SELECT STREAM nope FROM \"SOURCE_SQL_STREAM_001\";", (3, 17), "Column 'NOPE' not found"),
        ("CREATE OR REPLACE STREAM \"O\" (a INTEGER);\nCREATE OR REPLACE PUMP p AS INSERT INTO \"O\"\n  SELECT STREAM COUNT(*) FROM \"SOURCE_SQL_STREAM_001\";", (3, 17), "Cannot aggregate infinite stream"),
        ("CREATE OR REPLACE STREAM \"O\" (a INTEGER);\nCREATE OR REPLACE PUMP p AS INSERT INTO \"O\" SELECT STREAM price FROM \"source_sql_stream_001\" GROUP BY price;", (2, 45), "Cannot aggregate infinite stream"),
        ("CREATE OR REPLACE PUMP p AS INSERT INTO \"NOWHERE\" SELECT STREAM price FROM \"SOURCE_SQL_STREAM_001\";", (1, 41), "Stream 'NOWHERE' not found"),
        ("CREATE OR REPLACE STREAM \"O\" (a INTEGER, b INTEGER);\nCREATE PUMP p AS INSERT INTO \"O\" SELECT STREAM price FROM \"SOURCE_SQL_STREAM_001\";", (2, 30), "Number of INSERT target columns"),
    ];
    for (code, (line, column), msg) in cases {
        let e = compile(code, &input, &[]).unwrap_err();
        assert!(e.message.contains(msg), "{e}");
        assert_eq!((e.line, e.column), (line, column), "{e}");
    }
}

#[test]
fn hostile_input_never_panics() {
    let input = [ticker_input()];
    for code in [
        "",
        ";;;",
        "CREATE",
        "CREATE OR REPLACE STREAM",
        "SELECT STREAM",
        "CREATE PUMP p AS INSERT INTO",
        "\u{0}\u{ffff}'",
        "CREATE OR REPLACE STREAM s (a INTEGER); CREATE PUMP p AS INSERT INTO s SELECT STREAM a FROM s",
    ] {
        let _ = compile(code, &input, &[]);
    }
    let nested = format!("CREATE OR REPLACE STREAM s (a INTEGER); CREATE PUMP p AS INSERT INTO s SELECT STREAM {} FROM \"SOURCE_SQL_STREAM_001\"", "-".repeat(100_000) + "1");
    assert!(compile(&nested, &input, &[]).is_err());
}

#[test]
fn stagger_windows_open_with_their_first_row() {
    let code = r#"CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), sector VARCHAR(16), ticker_count INTEGER);
        CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker_symbol, sector, COUNT(*) AS ticker_count
        FROM "SOURCE_SQL_STREAM_001"
        WINDOWED BY STAGGER (PARTITION BY ticker_symbol, sector RANGE INTERVAL '1' MINUTE);"#;
    let mut rt = runtime(code);
    // A's window opens at 10 s (closes at 70 s), B's at 50 s (closes at 110 s).
    let rows = [(10_000, "A"), (20_000, "A"), (50_000, "B"), (69_999, "A"), (70_000, "A"), (100_000, "B")];
    let mut got = Vec::new();
    for (t, sym) in rows {
        let out = rt.insert(0, t, None, tick(sym, "S", 0.0, 1.0));
        got.extend(rows_of(&rt, &out, "DESTINATION_SQL_STREAM"));
    }
    let out = rt.advance(130_000);
    got.extend(rows_of(&rt, &out, "DESTINATION_SQL_STREAM"));
    let row = |sym: &str, n| vec![Value::Str(sym.into()), Value::Str("S".into()), Value::Int(n)];
    assert_eq!(got, vec![(70_000, row("A", 3)), (110_000, row("B", 2)), (130_000, row("A", 1))]);
}
