//! Which messages a ReceiveMessage delivers, read through the indexes only as far as needed.
//!
//! Standard queues: by the time messages became visible. FIFO queues: a group with a message
//! in flight delivers nothing; the other groups are served in the order in which they became
//! available, that is by the time their first message became visible (its send, the end of its
//! delay, the end of the visibility of the receive it returned from, or the delete that
//! unlocked the group: see `receipts::release_group`). So groups that have been waiting come
//! before groups whose messages just returned to visibility, as on AWS. From each group, as
//! many messages as possible, in order, up to a delayed one.

use super::moves::move_message;
use super::{find_by_arn, Queue, SqsError};
use crate::db::Engine;
use rusqlite::params;
use std::collections::HashSet;

/// Rows read per step when looking for messages to deliver.
const PAGE: i64 = 128;

/// FIFO: free groups compared (by the time they became available) beyond the number of
/// messages asked for.
const GROUPS_COMPARED: usize = 32;
/// FIFO: rows read before the free groups found so far are served.
const ROWS_COMPARED: usize = 256;

type Group = Option<String>;

struct Candidate {
    row: i64,
    visible_ms: i64,
    receive_count: i64,
    expires_ms: i64,
}

/// One receive's choice: the queue, its redrive target and what was chosen so far.
struct Picker<'a> {
    q: &'a Queue,
    now: i64,
    max: usize,
    redrive: Option<(Queue, i64)>,
    redriven: &'a mut Vec<Queue>,
    chosen: Vec<i64>,
}

/// Chooses up to `max` messages to deliver, moving those past maxReceiveCount to the
/// dead-letter queue (recorded in `redriven`) and dropping expired ones on the way.
pub(super) fn pick(
    eng: &mut Engine,
    q: &Queue,
    max: usize,
    now: i64,
    redriven: &mut Vec<Queue>,
) -> Result<Vec<i64>, SqsError> {
    let redrive = match q.redrive() {
        Some((arn, max_receives)) => find_by_arn(eng, &arn)?.map(|dlq| (dlq, max_receives)),
        None => None,
    };
    let mut p = Picker { q, now, max, redrive, redriven, chosen: Vec::with_capacity(max) };
    if q.fifo {
        p.fifo(eng)?;
    } else {
        p.standard(eng)?;
    }
    Ok(p.chosen)
}

impl Picker<'_> {
    fn full(&self) -> bool {
        self.chosen.len() >= self.max
    }

    /// Takes one candidate: false when it was dropped (expired) or moved to the DLQ.
    fn take(&mut self, eng: &mut Engine, c: &Candidate) -> Result<bool, SqsError> {
        if c.expires_ms <= self.now {
            eng.conn.prepare_cached("DELETE FROM sqs_messages WHERE id=?1")?.execute([c.row])?;
            return Ok(false);
        }
        if let Some((dlq, max_receives)) = &self.redrive {
            if c.receive_count >= *max_receives {
                move_message(eng, c.row, self.q, dlq, true)?;
                if !self.redriven.iter().any(|r| r.id == dlq.id) {
                    self.redriven.push(dlq.clone());
                }
                return Ok(false);
            }
        }
        self.chosen.push(c.row);
        Ok(true)
    }

    fn standard(&mut self, eng: &mut Engine) -> Result<(), SqsError> {
        let mut after = (i64::MIN, i64::MIN);
        // A few more than asked (some may be expired or go to the DLQ), then whole pages.
        let mut limit = self.max as i64 * 2 + 8;
        loop {
            let page = candidates(
                eng,
                "SELECT id, visible_ms, receive_count, expires_ms FROM sqs_messages
                 WHERE queue=?1 AND visible_ms<=?2 AND (visible_ms, id) > (?3, ?4)
                 ORDER BY visible_ms, id LIMIT ?5",
                params![self.q.id, self.now, after.0, after.1, limit],
            )?;
            let more = page.len() as i64 == limit;
            limit = PAGE;
            for c in &page {
                after = (c.visible_ms, c.row);
                self.take(eng, c)?;
                if self.full() {
                    return Ok(());
                }
            }
            if !more {
                return Ok(());
            }
        }
    }

    /// FIFO: the groups' first messages in enqueue order (the first row of a group met in id
    /// order is its head), skipping groups with a message in flight or a delayed head. The free
    /// groups found are served by the time they became available, once [`GROUPS_COMPARED`]
    /// more than asked for are found or [`ROWS_COMPARED`] rows were read (a bound on the work
    /// of one receive: groups further apart are served approximately in that order).
    fn fifo(&mut self, eng: &mut Engine) -> Result<(), SqsError> {
        let q = self.q;
        let blocked: HashSet<Group> = eng
            .conn
            .prepare_cached(
                "SELECT DISTINCT group_id FROM sqs_messages
                 WHERE queue=?1 AND visible_ms>?2 AND receive_count>0 AND expires_ms>?2",
            )?
            .query_map(params![q.id, self.now], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut seen: HashSet<Group> = HashSet::new();
        // (time available, head row, group)
        let mut free: Vec<(i64, i64, Group)> = Vec::new();
        let (mut after, mut read) = (i64::MIN, 0);
        // Interleaved groups: one page usually holds enough free heads.
        let mut limit = (self.max + GROUPS_COMPARED + blocked.len()) as i64 + 16;
        loop {
            let rows: Vec<(i64, Group, i64)> = eng
                .conn
                .prepare_cached(
                    "SELECT id, group_id, visible_ms FROM sqs_messages WHERE queue=?1 AND id>?2 ORDER BY id LIMIT ?3",
                )?
                .query_map(params![q.id, after, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let more = rows.len() as i64 == limit;
            read += rows.len();
            limit = if free.is_empty() { (limit * 4).min(4096) } else { 64 };
            for (row, group, visible_ms) in rows {
                after = row;
                if visible_ms <= self.now && !blocked.contains(&group) && seen.insert(group.clone()) {
                    free.push((visible_ms, row, group));
                } else {
                    seen.insert(group);
                }
            }
            if free.len() >= self.max + GROUPS_COMPARED || (read >= ROWS_COMPARED && !free.is_empty()) || !more {
                free.sort();
                for (_, _, group) in free.drain(..) {
                    self.group(eng, &group)?;
                    if self.full() {
                        return Ok(());
                    }
                }
                read = 0;
            }
            if !more {
                return Ok(());
            }
        }
    }

    /// As many messages of one group as possible, in order, up to a delayed one.
    fn group(&mut self, eng: &mut Engine, group: &Group) -> Result<(), SqsError> {
        let mut from = i64::MIN;
        let mut want = (self.max - self.chosen.len()) as i64 + 4;
        loop {
            let page = candidates(
                eng,
                "SELECT id, visible_ms, receive_count, expires_ms FROM sqs_messages
                 WHERE queue=?1 AND group_id IS ?2 AND id>?3 ORDER BY id LIMIT ?4",
                params![self.q.id, group, from, want],
            )?;
            let more = page.len() as i64 == want;
            want = PAGE;
            for c in &page {
                from = c.row;
                if c.visible_ms > self.now && c.expires_ms > self.now {
                    return Ok(()); // delayed: later messages of its group wait behind it
                }
                self.take(eng, c)?;
                if self.full() {
                    return Ok(());
                }
            }
            if !more {
                return Ok(());
            }
        }
    }
}

fn candidates(eng: &Engine, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Candidate>, SqsError> {
    let rows = eng
        .conn
        .prepare_cached(sql)?
        .query_map(params, |r| {
            Ok(Candidate { row: r.get(0)?, visible_ms: r.get(1)?, receive_count: r.get(2)?, expires_ms: r.get(3)? })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
