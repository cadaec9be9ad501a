//! Stream-to-stream joins: the six examples of AWS's JOIN clause reference (orders and
//! shipments, 10:00:00 onwards), each result set derived here from the reference's rules.

use crate::*;
use std::sync::Arc;

/// 10:00:00 plus `s` seconds, in ms.
fn t(s: i64) -> i64 {
    36_000_000 + s * 1000
}

fn ts(s: i64) -> Value {
    Value::Timestamp(t(s))
}

const STREAMS: &str = r#"
    CREATE OR REPLACE STREAM "ORDERS_STREAM" ("orderid" int, "orderrowtime" timestamp);
    CREATE OR REPLACE PUMP "ORDERS_STREAM_PUMP" AS INSERT INTO "ORDERS_STREAM"
    SELECT STREAM "orderid", "ROWTIME" FROM "SOURCE_SQL_STREAM_001" WHERE "orders" = 1;
    CREATE OR REPLACE STREAM "SHIPMENTS_STREAM" ("orderid" int, "shipmentrowtime" timestamp);
    CREATE OR REPLACE PUMP "SHIPMENTS_STREAM_PUMP" AS INSERT INTO "SHIPMENTS_STREAM"
    SELECT STREAM "orderid", "ROWTIME" FROM "SOURCE_SQL_STREAM_001" WHERE "shipments" = 2;
"#;

fn input() -> StreamDef {
    StreamDef::new(
        "SOURCE_SQL_STREAM_001",
        &[("orderid", SqlType::Integer), ("orders", SqlType::Integer), ("shipments", SqlType::Integer)],
    )
}

/// The reference's dataset in arrival order: (second, orderid, is an order).
const EVENTS: [(i64, i64, bool); 8] = [
    (0, 101, true),
    (0, 100, false),
    (20, 102, true),
    (30, 103, true),
    (40, 104, true),
    (45, 104, false),
    (45, 100, true), // a late order
    (50, 105, false),
];

fn runtime(join: &str) -> Runtime {
    Runtime::new(Arc::new(compile(&format!("{STREAMS}{join}"), &[input()], &[]).unwrap()))
}

fn event(rt: &mut Runtime, (s, id, order): (i64, i64, bool)) -> Vec<Emitted> {
    let flag = |yes: bool, v: i64| if yes { Value::Int(v) } else { Value::Null };
    rt.insert(0, t(s), None, vec![Value::Int(id), flag(order, 1), flag(!order, 2)])
}

fn output(rt: &Runtime, out: &[Emitted]) -> Vec<(i64, Vec<Value>)> {
    let idx = rt.program().stream_index("OUTPUT_STREAM").unwrap();
    out.iter().filter(|e| e.stream == idx).map(|e| (e.rowtime, e.values.clone())).collect()
}

/// Runs the dataset, then lets two minutes pass.
fn run(join: &str) -> Vec<(i64, Vec<Value>)> {
    let mut rt = runtime(join);
    let mut got = Vec::new();
    for e in EVENTS {
        let out = event(&mut rt, e);
        got.extend(output(&rt, &out));
    }
    let out = rt.advance(t(200));
    got.extend(output(&rt, &out));
    got
}

const FOUR: &str = r#"CREATE OR REPLACE STREAM "OUTPUT_STREAM" ("resultrowtime" timestamp, "orderid" int, "shipmenttime" timestamp, "ordertime" timestamp);"#;
const THREE: &str =
    r#"CREATE OR REPLACE STREAM "OUTPUT_STREAM" ("resultrowtime" timestamp, "orderid" int, "ordertime" timestamp);"#;

/// A joined pair: (rowtime, [resultrowtime, orderid, shipment time, order time]).
fn pair(id: i64, ship: i64, order: i64) -> (i64, Vec<Value>) {
    let at = ship.max(order);
    (t(at), vec![ts(at), Value::Int(id), ts(ship), ts(order)])
}

#[test]
fn window_on_one_side_inner_join() {
    let got = run(&format!(
        r#"{FOUR} CREATE OR REPLACE PUMP "OUTPUT_STREAM_PUMP" AS INSERT INTO "OUTPUT_STREAM"
        SELECT STREAM ROWTIME as "resultrowtime", s."orderid", s.rowtime as "shipmenttime", o.ROWTIME as "ordertime"
        FROM ORDERS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o
        JOIN SHIPMENTS_STREAM AS s ON o."orderid" = s."orderid";"#
    ));
    // Only the shipment of 104 meets its order in the minute before it; the late order 100
    // finds no shipment (that side keeps no rows).
    assert_eq!(got, vec![pair(104, 45, 40)]);
}

#[test]
fn windows_on_both_sides_inner_join() {
    let got = run(&format!(
        r#"{FOUR} CREATE OR REPLACE PUMP "OUTPUT_STREAM_PUMP" AS INSERT INTO "OUTPUT_STREAM"
        SELECT STREAM ROWTIME as "resultrowtime", s."orderid", s.rowtime as "shipmenttime", o.ROWTIME as "ordertime"
        FROM ORDERS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o
        JOIN SHIPMENTS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS s
        ON o."orderid" = s."orderid";"#
    ));
    // The late order 100 meets the shipment of 10:00:00, still in the shipments' window.
    assert_eq!(got, vec![pair(104, 45, 40), pair(100, 0, 45)]);
}

#[test]
fn window_on_one_side_right_join() {
    let got = run(&format!(
        r#"{THREE} CREATE OR REPLACE PUMP "OUTPUT_STREAM_PUMP" AS INSERT INTO "OUTPUT_STREAM"
        SELECT STREAM ROWTIME as "resultrowtime", s."orderid", o.ROWTIME as "ordertime"
        FROM ORDERS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o
        RIGHT JOIN SHIPMENTS_STREAM AS s ON o."orderid" = s."orderid";"#
    ));
    // Shipments without a window: an unmatched one comes out at once, at its own ROWTIME.
    let unmatched = |id, at| (t(at), vec![ts(at), Value::Int(id), Value::Null]);
    assert_eq!(got, vec![unmatched(100, 0), (t(45), vec![ts(45), Value::Int(104), ts(40)]), unmatched(105, 50)]);
}

#[test]
fn windows_on_both_sides_right_join() {
    let got = run(&format!(
        r#"{FOUR} CREATE OR REPLACE PUMP "OUTPUT_STREAM_PUMP" AS INSERT INTO "OUTPUT_STREAM"
        SELECT STREAM ROWTIME as "resultrowtime", s."orderid", s.ROWTIME as "shipmenttime", o.ROWTIME as "ordertime"
        FROM ORDERS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o
        RIGHT JOIN SHIPMENTS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS s
        ON o."orderid" = s."orderid";"#
    ));
    // Shipment 105 waits for an order until its window ends (10:01:50).
    let unmatched = (t(110), vec![ts(110), Value::Int(105), ts(50), Value::Null]);
    assert_eq!(got, vec![pair(104, 45, 40), pair(100, 0, 45), unmatched]);
}

#[test]
fn window_on_one_side_left_join() {
    let got = run(&format!(
        r#"{THREE} CREATE OR REPLACE PUMP "OUTPUT_STREAM_PUMP" AS INSERT INTO "OUTPUT_STREAM"
        SELECT STREAM ROWTIME as "resultrowtime", o."orderid", o.ROWTIME as "ordertime"
        FROM ORDERS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o
        LEFT JOIN SHIPMENTS_STREAM AS s ON o."orderid" = s."orderid";"#
    ));
    // Orders without a shipment come out when they leave their one-minute window.
    let row = |id, order: i64, at: i64| (t(at), vec![ts(at), Value::Int(id), ts(order)]);
    let unmatched: Vec<_> = [(101, 0), (102, 20), (103, 30), (100, 45)].map(|(id, o)| row(id, o, o + 60)).into();
    let mut want = vec![row(104, 40, 45)];
    want.extend(unmatched);
    assert_eq!(got, want);
}

#[test]
fn windows_on_both_sides_left_join() {
    let got = run(&format!(
        r#"{FOUR} CREATE OR REPLACE PUMP "OUTPUT_STREAM_PUMP" AS INSERT INTO "OUTPUT_STREAM"
        SELECT STREAM ROWTIME as "resultrowtime", s."orderid", s.ROWTIME as "shipmenttime", o.ROWTIME as "ordertime"
        FROM ORDERS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o
        LEFT JOIN SHIPMENTS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS s
        ON o."orderid" = s."orderid";"#
    ));
    // Unmatched orders: s."orderid" and the shipment time are NULL.
    let unmatched = |o: i64| (t(o + 60), vec![ts(o + 60), Value::Null, Value::Null, ts(o)]);
    let mut want = vec![pair(104, 45, 40), pair(100, 0, 45)];
    want.extend([0, 20, 30].map(unmatched));
    assert_eq!(got, want);
}

#[test]
fn named_row_window_and_checkpoint() {
    let code = format!(
        r#"{THREE} CREATE OR REPLACE PUMP "OUTPUT_STREAM_PUMP" AS INSERT INTO "OUTPUT_STREAM"
        SELECT STREAM ROWTIME, w."orderid", w.ROWTIME
        FROM SHIPMENTS_STREAM AS s JOIN ORDERS_STREAM OVER w ON w."orderid" = s."orderid"
        WINDOW w AS (ROWS 2 PRECEDING);"#
    );
    let mut rt = runtime(&code);
    let mut got = Vec::new();
    for e in &EVENTS[..6] {
        let out = event(&mut rt, *e);
        got.extend(output(&rt, &out));
    }
    // A restarted application resumes from the checkpointed join windows.
    let saved = serde_json::to_string(rt.state()).unwrap();
    let mut again = runtime(&code);
    again.restore(serde_json::from_str(&saved).unwrap());
    for e in &EVENTS[6..] {
        let out = event(&mut again, *e);
        got.extend(output(&again, &out));
    }
    // Orders keep their latest two rows: 103 and 104 when shipment 104 arrives.
    assert_eq!(got, vec![(t(45), vec![ts(45), Value::Int(104), ts(40)])]);
}

#[test]
fn rows_older_than_the_window_are_dropped() {
    let code = format!(
        r#"{THREE} CREATE OR REPLACE PUMP "OUTPUT_STREAM_PUMP" AS INSERT INTO "OUTPUT_STREAM"
        SELECT STREAM ROWTIME, o."orderid", o.ROWTIME
        FROM ORDERS_STREAM OVER (RANGE INTERVAL '10' SECOND PRECEDING) AS o
        CROSS JOIN SHIPMENTS_STREAM AS s;"#
    );
    let mut rt = runtime(&code);
    let mut got = Vec::new();
    for s in 0..1000 {
        let out = event(&mut rt, (s, s, true));
        got.extend(output(&rt, &out));
    }
    let small = serde_json::to_string(rt.state()).unwrap().len();
    let out = event(&mut rt, (1000, 7, false));
    got.extend(output(&rt, &out));
    // The shipment at 1000 s meets the orders of the 10 s before it, and only those are kept.
    let want: Vec<_> = (990..1000).map(|o| (t(1000), vec![ts(1000), Value::Int(o), ts(o)])).collect();
    assert_eq!(got, want);
    assert!(small < 4_000, "{small} bytes of state for a 10 s window");
}

#[test]
fn invalid_joins_are_refused() {
    let cases = [
        ("FROM ORDERS_STREAM AS o JOIN SHIPMENTS_STREAM AS s ON o.\"orderid\" = s.\"orderid\"", "without a window"),
        ("FROM ORDERS_STREAM OVER (ROWS 2 PRECEDING) AS o JOIN ORDERS_STREAM AS s ON TRUE", "with itself"),
        ("FROM ORDERS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o", "needs a stream-to-stream join"),
        (
            "FROM ORDERS_STREAM OVER (PARTITION BY \"orderid\" ROWS 2 PRECEDING) AS o JOIN SHIPMENTS_STREAM AS s ON TRUE",
            "no PARTITION BY",
        ),
        ("FROM ORDERS_STREAM OVER nowhere JOIN SHIPMENTS_STREAM AS s ON TRUE", "Window 'NOWHERE' not found"),
    ];
    for (from, msg) in cases {
        let code = format!(
            "{STREAMS}{THREE}\nCREATE OR REPLACE PUMP \"P\" AS INSERT INTO \"OUTPUT_STREAM\"\nSELECT STREAM ROWTIME, 1, ROWTIME {from};"
        );
        let e = compile(&code, &[input()], &[]).unwrap_err();
        assert!(e.message.contains(msg), "{from}: {e}");
        assert_eq!(e.line, 10, "{e}");
    }
    let stray = format!("{STREAMS}{THREE} CREATE PUMP p AS INSERT INTO \"OUTPUT_STREAM\" SELECT STREAM ROWTIME, \"orderid\" OVER, ROWTIME FROM ORDERS_STREAM;");
    assert!(compile(&stray, &[input()], &[]).is_err());
}
