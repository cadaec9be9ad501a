//! `kinesin cost`: what the workload that passed through kinesin would cost on AWS, from
//! kinesin's read-only API (`GET /_kinesin/api/cost`; not available on AWS itself).

use crate::client::{Client, Svc};
use crate::error::CliError;
use serde_json::Value;
use std::io::Write;

/// Prints the estimate per resource and in total (or the JSON document with `json`).
pub async fn cost(client: &Client, json: bool, out: &mut impl Write) -> Result<(), CliError> {
    if client.is_aws() {
        return Err(CliError::Usage(
            "kinesin cost reads kinesin's own metering; AWS bills are in AWS Cost Explorer".into(),
        ));
    }
    let (status, body) = client.get(Svc::Kinesis, "/_kinesin/api/cost").await?;
    if status != 200 {
        return Err(CliError::Http(format!("GET /_kinesin/api/cost: HTTP {status} (is the endpoint a kinesin?)")));
    }
    if json {
        out.write_all(&body)?;
        writeln!(out)?;
        return Ok(());
    }
    let v: Value = serde_json::from_slice(&body).map_err(|e| CliError::Http(e.to_string()))?;
    print_table(&v, out)
}

fn num(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(Value::as_f64).unwrap_or(0.0)
}

fn print_table(v: &Value, out: &mut impl Write) -> Result<(), CliError> {
    let src = |k: &str| v.pointer(&format!("/prices/{k}")).and_then(Value::as_str).unwrap_or("?").to_string();
    writeln!(out, "Estimated AWS cost in {} (prices of {}, {})", src("region"), src("date"), src("source"))?;
    writeln!(out, "{:<9} {:<40} {:>12} {:>12}", "SERVICE", "RESOURCE", "USD", "USD/HOUR")?;
    for r in v.get("resources").and_then(Value::as_array).into_iter().flatten() {
        let name = format!(
            "{}/{}/{}",
            r["account"].as_str().unwrap_or(""),
            r["region"].as_str().unwrap_or(""),
            r["name"].as_str().unwrap_or("")
        );
        writeln!(
            out,
            "{:<9} {:<40} {:>12.6} {:>12.6}",
            r["service"].as_str().unwrap_or(""),
            name,
            num(r, "usd"),
            num(r, "usdPerHour")
        )?;
        for i in r.get("items").and_then(Value::as_array).into_iter().flatten() {
            let what = format!(
                "  {} {} {}",
                i["item"].as_str().unwrap_or(""),
                num(i, "quantity"),
                i["unit"].as_str().unwrap_or("")
            );
            writeln!(out, "{:<9} {:<40} {:>12.6}", "", what, num(i, "usd"))?;
        }
    }
    writeln!(
        out,
        "{:<9} {:<40} {:>12.6} {:>12.6}",
        "TOTAL",
        format!("since start ({:.3} h)", num(v, "elapsedHours")),
        num(v, "usd"),
        num(v, "usdPerHour")
    )?;
    Ok(())
}
