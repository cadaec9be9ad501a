//! Redshift delivery: the batch (already kept as the intermediate S3 object by the caller,
//! see [`super::writes_intermediate_object`]) is loaded with COPY into the table of
//! `CopyCommand`, over PostgreSQL's wire protocol, which Redshift speaks. The database is
//! the one of `ClusterJDBCURL` (`jdbc:redshift://host:port/db`), signed in with
//! `Username`/`Password`; a local PostgreSQL stands in for the cluster. See [`super::copy`]
//! for how `CopyOptions` are replayed.

use super::copy;
use super::{text, DeliveryCtx, DestError};
use crate::env::Env;
use bytes::Bytes;
use futures_util::SinkExt;
use kinesin_state::firehose::dest_redshift::parse_jdbc;
use serde_json::Value;
use std::time::Duration;
use tokio_postgres::NoTls;

/// Longest a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a COPY may take.
const COPY_TIMEOUT: Duration = Duration::from_secs(600);

fn db_error(code: &str, e: tokio_postgres::Error) -> DestError {
    let detail = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string());
    DestError::retryable(code, detail)
}

/// One attempt: connect, COPY the batch, disconnect.
pub async fn deliver(_env: &Env, desc: &Value, _ctx: &DeliveryCtx, records: &[Vec<u8>]) -> Result<(), DestError> {
    if desc.pointer("/SecretsManagerConfiguration/Enabled").and_then(Value::as_bool) == Some(true) {
        return Err(DestError::permanent(
            "Redshift.SecretsManagerNotSupported",
            "kinesin cannot read Secrets Manager secrets: give Username and Password instead.",
        ));
    }
    let url = text(desc, "/ClusterJDBCURL");
    let (host, port, db) = parse_jdbc(url)
        .ok_or_else(|| DestError::permanent("Redshift.InvalidJDBCURL", format!("{url} is not a JDBC URL")))?;
    let plan = copy::parse(text(desc, "/CopyCommand/CopyOptions"))
        .map_err(|m| DestError::permanent("Redshift.InvalidCopyOptions", m))?;
    let table = text(desc, "/CopyCommand/DataTableName");
    let mut config = tokio_postgres::Config::new();
    config
        .host(&host)
        .port(port)
        .dbname(&db)
        .user(text(desc, "/Username"))
        .password(text(desc, "/Password"))
        .connect_timeout(CONNECT_TIMEOUT)
        .application_name("kinesin-firehose");
    let (client, connection) = config.connect(NoTls).await.map_err(|e| db_error("Redshift.ConnectionFailed", e))?;
    let conn = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "redshift connection ended");
        }
    });
    let load = async {
        let mut columns = copy::columns(text(desc, "/CopyCommand/DataTableColumns"));
        if columns.is_empty() && matches!(plan.format, copy::Format::Json { .. }) {
            columns = table_columns(&client, table).await?;
        }
        let data = copy::rows(&plan, &records.concat(), &columns)
            .map_err(|m| DestError::retryable("Redshift.DataLoadFailed", m))?;
        let sink = client
            .copy_in::<_, Bytes>(&copy::statement(table, &columns))
            .await
            .map_err(|e| db_error("Redshift.DataLoadFailed", e))?;
        let mut sink = std::pin::pin!(sink);
        sink.send(Bytes::from(data)).await.map_err(|e| db_error("Redshift.DataLoadFailed", e))?;
        sink.as_mut().finish().await.map_err(|e| db_error("Redshift.DataLoadFailed", e))?;
        Ok(())
    };
    let result = match tokio::time::timeout(COPY_TIMEOUT, load).await {
        Ok(r) => r,
        Err(_) => Err(DestError::retryable("Redshift.DataLoadFailed", "COPY did not finish in time.")),
    };
    drop(client);
    let _ = conn.await;
    result
}

/// The columns of `table` (`schema.table` or `table`), in order, for JSON 'auto'.
async fn table_columns(client: &tokio_postgres::Client, table: &str) -> Result<Vec<String>, DestError> {
    let (schema, name) = match table.split_once('.') {
        Some((s, t)) => (Some(s.trim_matches('"')), t.trim_matches('"')),
        None => (None, table.trim_matches('"')),
    };
    let rows = client
        .query(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_name = $1 AND ($2::text IS NULL AND table_schema = ANY(current_schemas(false)) OR table_schema = $2)
             ORDER BY ordinal_position",
            &[&name, &schema],
        )
        .await
        .map_err(|e| db_error("Redshift.DataLoadFailed", e))?;
    if rows.is_empty() {
        // kinesin's wording of Redshift's missing-table error.
        return Err(DestError::retryable("Redshift.TableNotFound", format!("relation \"{table}\" does not exist")));
    }
    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
}
