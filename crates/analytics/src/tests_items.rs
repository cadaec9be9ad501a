//! TOP_K_ITEMS_TUMBLING and COUNT_DISTINCT_ITEMS_TUMBLING: the SQL reference's examples over
//! the stock ticker stream, results counted independently here.

use crate::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

fn ticker_input() -> StreamDef {
    StreamDef::new(
        "SOURCE_SQL_STREAM_001",
        &[
            ("TICKER_SYMBOL", SqlType::Varchar(Some(4))),
            ("SECTOR", SqlType::Varchar(Some(16))),
            ("CHANGE", SqlType::Real),
            ("PRICE", SqlType::Real),
        ],
    )
}

/// Deterministic ticks over three minutes: skewed symbols, two sectors.
fn ticks() -> Vec<(i64, String, String)> {
    (0..900i64)
        .map(|i| {
            let sym = format!("S{}", (i * i + 3 * i) % 23 % (7 + i / 300));
            let sector = if i % 3 == 0 { "TECH" } else { "RETAIL" };
            (i * 200, sym, sector.to_string())
        })
        .collect()
}

fn run(code: &str, out_stream: &str) -> Vec<(i64, Vec<Value>)> {
    let mut rt = Runtime::new(Arc::new(compile(code, &[ticker_input()], &[]).unwrap()));
    let idx = rt.program().stream_index(out_stream).unwrap();
    let mut out = Vec::new();
    for (t, sym, sector) in ticks() {
        let row = vec![Value::Str(sym), Value::Str(sector), Value::Double(0.5), Value::Double(10.0)];
        out.extend(rt.insert(0, t, None, row));
    }
    out.extend(rt.advance(180_000));
    out.into_iter().filter(|e| e.stream == idx).map(|e| (e.rowtime, e.values)).collect()
}

/// Rows per 60-second window end, of the ticks `keep` selects.
fn by_window(keep: impl Fn(&str) -> bool) -> BTreeMap<i64, Vec<String>> {
    let mut windows: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (t, sym, sector) in ticks() {
        if keep(&sector) {
            windows.entry(t / 60_000 * 60_000 + 60_000).or_default().push(sym);
        }
    }
    windows
}

#[test]
fn top_k_items_like_the_reference_example() {
    let code = r#"CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (
          "TICKER_SYMBOL" VARCHAR(4),
          "MOST_FREQUENT_VALUES" BIGINT);
        CREATE OR REPLACE PUMP "STREAM_PUMP" AS
          INSERT INTO "DESTINATION_SQL_STREAM"
          SELECT STREAM *
            FROM TABLE (TOP_K_ITEMS_TUMBLING(
              CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"),
              'TICKER_SYMBOL',         -- name of column in single quotes
              5,                       -- number of the most frequently occurring values
              60                       -- tumbling window size in seconds
              )
            );"#;
    let got = run(code, "DESTINATION_SQL_STREAM");
    let mut want = Vec::new();
    for (end, syms) in by_window(|_| true) {
        let mut counts: BTreeMap<String, i64> = BTreeMap::new();
        syms.into_iter().for_each(|s| *counts.entry(s).or_default() += 1);
        let mut ranked: Vec<(String, i64)> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        want.extend(ranked.into_iter().take(5).map(|(s, n)| (end, vec![Value::Str(s), Value::Int(n)])));
    }
    assert_eq!(want.len(), 15);
    assert_eq!(got, want);
}

#[test]
fn count_distinct_items_like_the_reference_example() {
    let code = r#"CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (
            NUMBER_OF_DISTINCT_ITEMS BIGINT);
        CREATE OR REPLACE PUMP "STREAM_PUMP" AS
           INSERT INTO "DESTINATION_SQL_STREAM"
              SELECT STREAM *
              FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(
                  CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"),  -- pointer to the data stream
                    'TICKER_SYMBOL',                                     -- name of column in single quotes
                    60                                                   -- tumbling window size in seconds
              )
        );"#;
    let got = run(code, "DESTINATION_SQL_STREAM");
    let want: Vec<(i64, Vec<Value>)> = by_window(|_| true)
        .into_iter()
        .map(|(end, syms)| (end, vec![Value::Int(syms.into_iter().collect::<BTreeSet<_>>().len() as i64)]))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn cursor_queries_filter_and_outer_queries_name_columns() {
    let code = r#"CREATE OR REPLACE STREAM "OUT" (n BIGINT);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
        SELECT STREAM number_of_distinct_items FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(
            CURSOR(SELECT STREAM ticker_symbol AS "sym" FROM "SOURCE_SQL_STREAM_001" WHERE sector = 'TECH'),
            'sym', 60));
        CREATE OR REPLACE STREAM "TOP" (sym VARCHAR(4), n DOUBLE);
        CREATE OR REPLACE PUMP "P2" AS INSERT INTO "TOP"
        SELECT STREAM t.ticker_symbol, t.most_frequent_values FROM TABLE(TOP_K_ITEMS_TUMBLING(
            CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001" WHERE sector = 'TECH'), 'ticker_symbol', 1, 60)) AS t
        WHERE t.most_frequent_values > 0;"#;
    let tech = by_window(|sector| sector == "TECH");
    let want: Vec<(i64, Vec<Value>)> = tech
        .iter()
        .map(|(end, syms)| (*end, vec![Value::Int(syms.iter().collect::<BTreeSet<_>>().len() as i64)]))
        .collect();
    assert_eq!(run(code, "OUT"), want);
    let top = run(code, "TOP");
    assert_eq!(top.len(), 3);
    for ((end, row), (want_end, syms)) in top.iter().zip(&tech) {
        let n = syms.iter().filter(|s| Value::Str(s.to_string()) == row[0]).count();
        let most = syms.iter().map(|s| syms.iter().filter(|x| *x == s).count()).max().unwrap();
        assert_eq!((end, n), (want_end, most), "{row:?}");
        assert_eq!(row[1], Value::Double(most as f64));
    }
}

#[test]
fn window_state_survives_a_checkpoint() {
    let code = r#"CREATE OR REPLACE STREAM "OUT" (n BIGINT);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM * FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(
            CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"), 'TICKER_SYMBOL', 10));"#;
    let program = Arc::new(compile(code, &[ticker_input()], &[]).unwrap());
    let row = |s: &str| vec![Value::Str(s.into()), Value::Str("X".into()), Value::Double(0.0), Value::Double(0.0)];
    let mut rt = Runtime::new(Arc::clone(&program));
    rt.insert(0, 1_000, None, row("A"));
    rt.insert(0, 2_000, None, row("B"));
    let saved = serde_json::to_string(rt.state()).unwrap();
    let mut again = Runtime::new(program);
    again.restore(serde_json::from_str(&saved).unwrap());
    again.insert(0, 3_000, None, row("A"));
    again.insert(0, 4_000, None, row("C"));
    let out = again.advance(10_000);
    assert_eq!(out.iter().map(|e| (e.rowtime, e.values.clone())).next_back(), Some((10_000, vec![Value::Int(3)])));
}

#[test]
fn invalid_uses_are_refused() {
    let cases = [
        ("TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"), 'TICKER_SYMBOL', 0, 60)", "K must be"),
        ("TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"), 'TICKER_SYMBOL', 100001, 60)", "K must be"),
        ("COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"), 'TICKER_SYMBOL', 3601)", "windowSize must be"),
        ("COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"), 'NOPE', 60)", "Column 'NOPE' not found"),
        ("COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"), TICKER_SYMBOL, 60)", "single quotes"),
        ("COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"), 'TICKER_SYMBOL')", "Invalid number of arguments"),
        ("COUNT_DISTINCT_ITEMS_TUMBLING(\"SOURCE_SQL_STREAM_001\", 'TICKER_SYMBOL', 60)", "CURSOR(SELECT STREAM"),
        ("TOP_K_ITEMS(CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"), 'TICKER_SYMBOL', 60)", "No match found"),
        ("1", "TABLE takes a table function"),
        (
            "COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"), 'TICKER_SYMBOL', 60))), 'N', 60)",
            "Subqueries in FROM",
        ),
        (
            "COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM ticker_symbol, COUNT(*) FROM \"SOURCE_SQL_STREAM_001\" GROUP BY ticker_symbol, STEP(ROWTIME BY INTERVAL '1' MINUTE)), 'TICKER_SYMBOL', 60)",
            "does not aggregate",
        ),
    ];
    for (call, msg) in cases {
        let code = format!("CREATE OR REPLACE STREAM \"O\" (n BIGINT);\nCREATE OR REPLACE PUMP \"P\" AS INSERT INTO \"O\"\nSELECT STREAM * FROM TABLE({call});");
        let e = compile(&code, &[ticker_input()], &[]).unwrap_err();
        assert!(e.message.contains(msg), "{call}: {e}");
        assert_eq!(e.line, 3, "{e}");
    }
}
