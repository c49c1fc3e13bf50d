//! Engine events for a window: gathered and coalesced, then handed over a few times a second,
//! however heavy the traffic. A connection that changed ten times in a batch arrives once, in
//! its latest state.

use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use tcpmon_relay::{ConnId, Event, EventKind, Missed, Subscription};

/// What the window receives.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "EventBatch"))]
pub struct Batch {
    /// Events in order, coalesced per connection.
    pub events: Vec<Event>,
    /// Events were lost: the window must load a snapshot again.
    pub lagged: bool,
}

/// Events being gathered; each connection's latest state replaces its earlier ones in place.
#[derive(Default)]
struct Gather {
    batch: Batch,
    /// Index in `batch.events` of each connection's event.
    by_conn: HashMap<ConnId, usize>,
}

impl Gather {
    fn add(&mut self, event: Event) {
        let id = match &event.kind {
            EventKind::ConnectionOpened { record } | EventKind::ConnectionChanged { record } => {
                Some(record.id)
            }
            EventKind::ConnectionProgress { id, .. } => Some(*id),
            _ => None,
        };
        let Some(id) = id else {
            // Removals and listener changes order everything after them: start afresh.
            self.by_conn.clear();
            self.batch.events.push(event);
            return;
        };
        let Some(&at) = self.by_conn.get(&id) else {
            self.by_conn.insert(id, self.batch.events.len());
            self.batch.events.push(event);
            return;
        };
        let earlier = &mut self.batch.events[at];
        earlier.seq = event.seq;
        match (&mut earlier.kind, event.kind) {
            (
                EventKind::ConnectionOpened { record } | EventKind::ConnectionChanged { record },
                EventKind::ConnectionProgress {
                    bytes, exchanges, ..
                },
            ) => {
                record.bytes = bytes;
                if let Some(patch) = exchanges {
                    patch.apply(&mut record.exchanges);
                }
            }
            (
                EventKind::ConnectionProgress {
                    bytes: earlier_bytes,
                    exchanges: earlier_patch,
                    ..
                },
                EventKind::ConnectionProgress {
                    bytes, exchanges, ..
                },
            ) => {
                *earlier_bytes = bytes;
                *earlier_patch = match (earlier_patch.take(), exchanges) {
                    (Some(a), Some(b)) => Some(a.then(b)),
                    (a, b) => b.or(a),
                };
            }
            // A connection opened in this batch stays "opened", in its latest state.
            (
                EventKind::ConnectionOpened { record },
                EventKind::ConnectionChanged { record: latest },
            ) => {
                *record = latest;
            }
            (_, kind) => earlier.kind = kind,
        }
    }

    /// The batch, in `seq` order: a merged event took its latest `seq`, and the window skips
    /// any event whose `seq` is not above the last one it applied.
    fn take(&mut self) -> Batch {
        self.by_conn.clear();
        let mut batch = std::mem::take(&mut self.batch);
        batch.events.sort_by_key(|e| e.seq);
        batch
    }
}

/// Receives events from `events` and calls `emit` with a batch at most once per `every`, until
/// the engine is gone.
pub async fn forward(mut events: Subscription, every: Duration, mut emit: impl FnMut(Batch)) {
    let mut gather = Gather::default();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            next = events.recv() => match next {
                Ok(event) => gather.add(event),
                Err(Missed::Lagged(_)) => gather.batch.lagged = true,
                Err(Missed::Closed) => {
                    let last = gather.take();
                    if !last.events.is_empty() { emit(last); }
                    return;
                }
            },
            _ = tick.tick() => {
                if !gather.batch.events.is_empty() || gather.batch.lagged {
                    emit(gather.take());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_relay::{ConnectionRecord, ConnectionState, ExchangePatch, ListenerId};

    fn record(id: u64, state: ConnectionState) -> ConnectionRecord {
        ConnectionRecord {
            state,
            ..ConnectionRecord::accepted(ConnId(id), ListenerId(1), 1, "c".into(), None, 0)
        }
    }

    #[test]
    fn a_connection_arrives_once_in_its_latest_state() {
        let mut g = Gather::default();
        g.add(Event {
            seq: 1,
            kind: EventKind::ConnectionOpened {
                record: record(1, ConnectionState::Connecting),
            },
        });
        g.add(Event {
            seq: 2,
            kind: EventKind::ConnectionOpened {
                record: record(2, ConnectionState::Connecting),
            },
        });
        g.add(Event {
            seq: 3,
            kind: EventKind::ConnectionProgress {
                id: ConnId(1),
                bytes: [5, 7],
                exchanges: None,
            },
        });
        g.add(Event {
            seq: 4,
            kind: EventKind::ConnectionChanged {
                record: record(2, ConnectionState::Done),
            },
        });
        let batch = g.take();
        assert_eq!(batch.events.len(), 2);
        assert_eq!(batch.events[0].seq, 3);
        assert!(
            matches!(&batch.events[0].kind, EventKind::ConnectionOpened { record } if record.bytes == [5, 7])
        );
        assert_eq!(batch.events[1].seq, 4);
        assert!(
            matches!(&batch.events[1].kind, EventKind::ConnectionOpened { record } if record.state == ConnectionState::Done)
        );
    }

    /// The exchanges found in `requests` (request side only).
    fn exchanges(requests: &[u8]) -> Vec<tcpmon_inspect::exchange::Exchange> {
        let mut list = Vec::new();
        tcpmon_inspect::exchange::Tracker::new().feed(
            tcpmon_relay::Direction::ClientToServer,
            requests,
            1,
            &mut list,
        );
        list
    }

    #[test]
    fn merged_progress_keeps_every_exchange_change() {
        let all =
            exchanges(b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n");
        let progress = |seq, from: usize, upto: usize| Event {
            seq,
            kind: EventKind::ConnectionProgress {
                id: ConnId(1),
                bytes: [seq, 0],
                exchanges: Some(ExchangePatch::of(&all[..upto].to_vec().into(), from)),
            },
        };
        let mut g = Gather::default();
        g.add(progress(1, 0, 1));
        g.add(progress(2, 1, 2));
        g.add(progress(3, 2, 3));
        let batch = g.take();
        let EventKind::ConnectionProgress {
            bytes,
            exchanges: Some(patch),
            ..
        } = &batch.events[0].kind
        else {
            panic!("{:?}", batch.events)
        };
        assert_eq!((*bytes, patch.exchanges_from), ([3, 0], 0));
        assert_eq!(patch.exchanges.to_vec(), all);

        // Progress folded into the record of a connection opened in the same batch.
        let mut g = Gather::default();
        g.add(Event {
            seq: 1,
            kind: EventKind::ConnectionOpened {
                record: record(1, ConnectionState::Active),
            },
        });
        g.add(progress(2, 0, 2));
        g.add(progress(3, 1, 3));
        let batch = g.take();
        assert!(
            matches!(&batch.events[0].kind, EventKind::ConnectionOpened { record } if record.exchanges.to_vec() == all)
        );
    }

    #[test]
    fn merged_events_come_in_seq_order_so_none_is_skipped() {
        // The window drops an event whose seq is not above the last one it applied.
        let mut g = Gather::default();
        let opened = |seq, id| Event {
            seq,
            kind: EventKind::ConnectionOpened {
                record: record(id, ConnectionState::Active),
            },
        };
        g.add(opened(10, 1));
        g.add(opened(11, 2));
        g.add(Event {
            seq: 12,
            kind: EventKind::ConnectionChanged {
                record: record(1, ConnectionState::Done),
            },
        });
        let seqs: Vec<u64> = g.take().events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [11, 12]);
    }

    #[test]
    fn removals_keep_their_place_in_the_order() {
        let mut g = Gather::default();
        g.add(Event {
            seq: 1,
            kind: EventKind::ConnectionChanged {
                record: record(1, ConnectionState::Active),
            },
        });
        g.add(Event {
            seq: 2,
            kind: EventKind::ConnectionsRemoved {
                ids: vec![ConnId(1)],
            },
        });
        g.add(Event {
            seq: 3,
            kind: EventKind::ConnectionChanged {
                record: record(1, ConnectionState::Done),
            },
        });
        let seqs: Vec<u64> = g.take().events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
    }

    #[tokio::test]
    async fn a_flood_of_events_becomes_a_few_batches() {
        let engine = tcpmon_relay::Engine::new(tcpmon_relay::EngineOptions {
            capture_dir: None,
            ..Default::default()
        })
        .unwrap();
        let events = engine.subscribe();
        let batches = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = batches.clone();
        let forwarder = tokio::spawn(forward(events, Duration::from_millis(200), move |b| {
            sink.lock().unwrap().push(b)
        }));
        for _ in 0..1000 {
            engine.remove_connections(&[]); // no-op: sends nothing
        }
        let config = tcpmon_relay::ListenerConfig::http_proxy(0);
        let info = engine.add_listener(config).await.unwrap();
        for _ in 0..20 {
            engine.stop_listener(info.id).await.unwrap();
            engine.start_listener(info.id).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(450)).await;
        let batches = batches.lock().unwrap();
        let events: usize = batches.iter().map(|b| b.events.len()).sum();
        assert_eq!(events, 41, "every listener change arrives");
        assert!(batches.len() <= 3, "{} batches", batches.len());
        forwarder.abort();
    }
}
