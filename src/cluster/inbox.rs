//! The inbox: inbound messages received by any node, waiting for the node
//! that owns their tenant.
//!
//! [`Inbox::push`] stores a message in `caredesk_inbox` (once per channel and
//! external id: a webhook delivered twice is stored once) and notifies the
//! inbox's LISTEN/NOTIFY channel with the tenant, in the same statement, so
//! the owner wakes when the row is committed. The owner drains its tenant's
//! rows with [`Inbox::drain`]: it claims them with `FOR UPDATE SKIP LOCKED`
//! (so a stale owner still holding some rows never blocks the new one),
//! hands them to its desk, and marks them processed in the same transaction.
//! If the node dies midway the transaction rolls back and the rows are
//! claimed again by the next owner; the engine recognises messages it
//! already recorded (by channel and external id), so each is recorded once.

use super::{ClusterError, NodeId};
use crate::desk::{DeskError, DeskHandle};
use crate::model::{InboundMessage, TenantId};
use crate::store::postgres::{backend, map_pg, PostgresEventStore};
use chrono::{DateTime, Utc};

/// What [`Inbox::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InboxReceipt {
    /// The inbox row holding the message.
    pub id: i64,
    /// Whether the message (same tenant, channel and external id) was
    /// already in the inbox; nothing new was stored.
    pub duplicate: bool,
}

/// What one [`Inbox::drain`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Drained {
    /// Rows claimed and marked processed.
    pub claimed: usize,
    /// Messages recorded by the desk for the first time.
    pub recorded: usize,
    /// Messages the desk had already recorded (a redelivery after takeover).
    pub duplicates: usize,
    /// Messages the engine refused (kept in the inbox with the reason).
    pub refused: usize,
}

/// The inbox table and its notification channel.
#[derive(Debug, Clone)]
pub struct Inbox {
    store: PostgresEventStore,
    channel: String,
}

impl Inbox {
    /// The inbox of the database behind `store`. The notification channel
    /// is named after the store's schema, so desks in different schemas of
    /// one database do not wake each other.
    pub fn new(store: &PostgresEventStore) -> Self {
        let channel = match store.schema() {
            Some(schema) => format!("caredesk_inbox_{schema}"),
            None => "caredesk_inbox".to_string(),
        };
        Inbox {
            store: store.clone(),
            channel,
        }
    }

    /// The LISTEN/NOTIFY channel owners listen on (payload: the tenant's uuid).
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Stores an inbound message for `tenant`, received by node `by` at
    /// `now`, and wakes the tenant's owner. Returns once the row is
    /// committed (acknowledge the webhook then).
    ///
    /// # Errors
    /// [`ClusterError::Store`] on database failure,
    /// [`ClusterError::Encode`] when the message cannot be serialised.
    pub async fn push(
        &self,
        tenant: TenantId,
        message: &InboundMessage,
        by: &NodeId,
        now: DateTime<Utc>,
    ) -> Result<InboxReceipt, ClusterError> {
        let json =
            serde_json::to_string(message).map_err(|e| ClusterError::Encode(e.to_string()))?;
        let dedup = format!("{}\u{1f}{}", message.channel, message.external_id);
        let client = self.store.client().await?;
        let statement = client
            .prepare_cached(
                "WITH stored AS (
                     INSERT INTO caredesk_inbox (tenant, dedup_key, message, received_by, received_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (tenant, dedup_key) DO NOTHING
                     RETURNING id
                 )
                 SELECT id, pg_notify($6, $1::text) IS NOT NULL FROM stored",
            )
            .await
            .map_err(map_pg)?;
        let rows = client
            .query(
                &statement,
                &[&tenant.0, &dedup, &json, &by.as_str(), &now, &self.channel],
            )
            .await
            .map_err(map_pg)?;
        if let Some(row) = rows.first() {
            return Ok(InboxReceipt {
                id: row.get(0),
                duplicate: false,
            });
        }
        let row = client
            .query_one(
                "SELECT id FROM caredesk_inbox WHERE tenant = $1 AND dedup_key = $2",
                &[&tenant.0, &dedup],
            )
            .await
            .map_err(map_pg)?;
        Ok(InboxReceipt {
            id: row.get(0),
            duplicate: true,
        })
    }

    /// Claims up to `limit` of `tenant`'s unprocessed messages, oldest first,
    /// skipping rows another node holds; ingests them through `desk` in one
    /// batch; marks them processed by `by` and commits. Messages the engine
    /// refuses are marked with the reason and not retried.
    ///
    /// # Errors
    /// [`ClusterError::Store`] on database failure, [`ClusterError::Desk`]
    /// when the desk could not record them (fenced off, stopped): nothing is
    /// marked, and the rows go back to the inbox.
    pub async fn drain(
        &self,
        tenant: TenantId,
        desk: &DeskHandle,
        by: &NodeId,
        limit: usize,
    ) -> Result<Drained, ClusterError> {
        let mut client = self.store.client().await?;
        let tx = client.transaction().await.map_err(map_pg)?;
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        let claim = tx
            .prepare_cached(
                "SELECT id, message FROM caredesk_inbox
                 WHERE tenant = $1 AND processed_at IS NULL
                 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
            )
            .await
            .map_err(map_pg)?;
        let rows = tx
            .query(&claim, &[&tenant.0, &limit])
            .await
            .map_err(map_pg)?;
        if rows.is_empty() {
            return Ok(Drained::default());
        }
        let mut ids = Vec::with_capacity(rows.len());
        let mut outcomes: Vec<Option<String>> = Vec::with_capacity(rows.len());
        let mut messages = Vec::new();
        let mut positions = Vec::new();
        let mut drained = Drained {
            claimed: rows.len(),
            ..Drained::default()
        };
        for row in &rows {
            let id: i64 = row.get(0);
            let json: &str = row.get(1);
            ids.push(id);
            match serde_json::from_str::<InboundMessage>(json) {
                Ok(message) => {
                    positions.push(outcomes.len());
                    outcomes.push(None);
                    messages.push(message);
                }
                Err(error) => {
                    drained.refused += 1;
                    outcomes.push(Some(format!("unreadable: {error}")));
                }
            }
        }
        let results = desk.ingest_all(messages).await;
        for (position, result) in positions.into_iter().zip(results) {
            let outcome = match result {
                Ok(receipt) if receipt.duplicate => {
                    drained.duplicates += 1;
                    "duplicate".to_string()
                }
                Ok(_) => {
                    drained.recorded += 1;
                    "recorded".to_string()
                }
                Err(DeskError::Refused(error)) => {
                    drained.refused += 1;
                    format!("refused: {error}")
                }
                // Fenced off, store down, desk stopped: give the rows back.
                Err(error) => return Err(ClusterError::Desk(error)),
            };
            if let Some(slot) = outcomes.get_mut(position) {
                *slot = Some(outcome);
            }
        }
        let outcomes: Vec<String> = outcomes
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        let mark = tx
            .prepare_cached(
                "UPDATE caredesk_inbox AS inbox
                 SET processed_at = now(), processed_by = $2, outcome = done.outcome
                 FROM unnest($3::bigint[], $4::text[]) AS done(id, outcome)
                 WHERE inbox.id = done.id AND inbox.tenant = $1",
            )
            .await
            .map_err(map_pg)?;
        tx.execute(&mark, &[&tenant.0, &by.as_str(), &ids, &outcomes])
            .await
            .map_err(map_pg)?;
        tx.commit().await.map_err(map_pg)?;
        Ok(drained)
    }

    /// How many of `tenant`'s messages wait unprocessed.
    ///
    /// # Errors
    /// [`ClusterError::Store`] on database failure.
    pub async fn pending(&self, tenant: TenantId) -> Result<u64, ClusterError> {
        let client = self.store.client().await?;
        let row = client
            .query_one(
                "SELECT count(*) FROM caredesk_inbox WHERE tenant = $1 AND processed_at IS NULL",
                &[&tenant.0],
            )
            .await
            .map_err(map_pg)?;
        let count: i64 = row.get(0);
        u64::try_from(count).map_err(|e| ClusterError::Store(backend(e)))
    }
}
