//! The tokio runtime the relay runs on, for the CLI and the app alike.

use tokio::runtime::{Builder, Runtime};

/// Overrides the worker count, as it does for any tokio runtime.
const WORKERS_VAR: &str = "TOKIO_WORKER_THREADS";

/// A multi-thread runtime with [`workers`] worker threads (or `TOKIO_WORKER_THREADS`).
///
/// Why not one per core, tokio's default: the relay shares the machine with the client and
/// the server it watches (and the app with its web view). On a 2-core machine one worker took
/// 35% less CPU per short connection and relayed 31% more of them per second than two
/// (`bench/relay.sh`'s conn/s workload), kept-alive requests 5-18% less CPU each, bulk the same:
/// workers that steal each other's tasks and wake each other cost more than the core they add.
pub fn runtime() -> std::io::Result<Runtime> {
    let mut builder = Builder::new_multi_thread();
    builder.enable_all();
    if std::env::var_os(WORKERS_VAR).is_none() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        builder.worker_threads(workers(cores));
    }
    builder.build()
}

/// Half the cores, at least one.
fn workers(cores: usize) -> usize {
    (cores / 2).max(1)
}

#[cfg(test)]
mod tests {
    use super::workers;

    #[test]
    fn half_the_cores_and_at_least_one() {
        assert_eq!(workers(1), 1);
        assert_eq!(workers(2), 1);
        assert_eq!(workers(3), 1);
        assert_eq!(workers(8), 4);
    }
}
