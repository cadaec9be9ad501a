//! Kinesis Data Analytics SQL: parsing and compiling arbitrary application code against the
//! ticker input stream of AWS's developer guide, under the parser's budget (recursion and
//! code-length limits). Nothing may crash; code that compiles also runs over one row.
#![no_main]
use kinesin_analytics::{compile, Runtime, SqlType, StreamDef, Value};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(code) = std::str::from_utf8(data) else { return };
    let input = StreamDef::new(
        "SOURCE_SQL_STREAM_001",
        &[
            ("TICKER_SYMBOL", SqlType::Varchar(Some(4))),
            ("SECTOR", SqlType::Varchar(Some(16))),
            ("CHANGE", SqlType::Double),
            ("PRICE", SqlType::Double),
        ],
    );
    let Ok(program) = compile(code, &[input], &[]) else { return };
    let mut rt = Runtime::new(Arc::new(program));
    let row = vec![Value::Str("AMZN".into()), Value::Str("TECH".into()), Value::Double(-0.5), Value::Double(1.5)];
    let _ = rt.insert(0, 1_000, Some(1_000), row);
    let _ = rt.advance(120_000);
});
