//! `/metrics`: brings the gauges and the counters kept elsewhere (the bus's delivery
//! counts, the SFU's packet counts) up to date, then renders everything in Prometheus text
//! format.

use crate::state::AppState;
use crate::telemetry::{
    DELIVERIES, QUEUE_OVERFLOWS, RUNTIME_TASKS, SESSIONS, UPTIME, VOICE_PACKETS_DROPPED,
    VOICE_PACKETS_IN, VOICE_PACKETS_OUT, VOICE_PEERS, VOICE_ROOMS, WEBHOOK_BACKLOG,
    WEBHOOK_DROPPED,
};

/// The metrics as of now, in Prometheus text format.
pub(crate) async fn render(state: &AppState) -> String {
    let t = &state.telemetry;
    t.gauge(SESSIONS).set(state.hub.attached_count() as f64);
    let (frames, overflows) = state.hub.delivery_counts();
    t.counter(DELIVERIES, vec![]).absolute(frames);
    t.counter(QUEUE_OVERFLOWS, vec![]).absolute(overflows);
    let (peers, rooms) = state.voice.counts();
    t.gauge(VOICE_PEERS).set(peers as f64);
    t.gauge(VOICE_ROOMS).set(rooms as f64);
    if let Some(sfu) = state.voice.sfu() {
        let stats = sfu.stats().await;
        t.counter(VOICE_PACKETS_IN, vec![])
            .absolute(stats.packets_in);
        t.counter(VOICE_PACKETS_OUT, vec![])
            .absolute(stats.packets_out);
        t.counter(VOICE_PACKETS_DROPPED, vec![])
            .absolute(stats.packets_dropped);
    }
    t.gauge(UPTIME).set(state.started.elapsed().as_secs_f64());
    let (backlog, dropped) = state.bots.deliveries.counts();
    t.gauge(WEBHOOK_BACKLOG).set(backlog as f64);
    t.counter(WEBHOOK_DROPPED, vec![]).absolute(dropped);
    t.gauge(RUNTIME_TASKS).set(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks() as f64,
    );
    t.render()
}
