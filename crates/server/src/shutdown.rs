//! Graceful shutdown: one stop signal (SIGTERM or Ctrl-C) shared by the HTTP server and the background tasks.
//! The HTTP server stops accepting and drains requests; the sync scheduler stops taking portals, lets the running
//! cycle finish within `SHUTDOWN_GRACE_SECS` (or cuts it between transactions) and releases its leases. It must
//! never exit the process itself: `run` returns once everything has stopped.

use tokio::sync::watch;

/// The sending side: flips to `true` once.
#[derive(Clone)]
pub struct Shutdown {
    tx: std::sync::Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Shutdown {
        let (tx, _) = watch::channel(false);
        Shutdown {
            tx: std::sync::Arc::new(tx),
        }
    }

    /// Asks everything to stop.
    pub fn trigger(&self) {
        let _ = self.tx.send(true);
    }

    /// A receiver for a task; see [`stopped`].
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.tx.subscribe()
    }
}

/// Resolves once a stop was asked (or the sender is gone).
pub async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn os_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
