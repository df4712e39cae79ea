//! Stop signals: SIGINT and SIGTERM, and (for children of `bazaar up`) the parent going away.
//!
//! Shutdown is an input: `main` creates one [`CancellationToken`], cancels it on a signal, and
//! passes it to the server and every background task, which stop taking work and drain.

use std::time::Duration;

pub use tokio_util::sync::CancellationToken;

/// Cancels `token` on SIGINT or SIGTERM, or, when `exit_with_parent` is set, when standard input
/// reaches end of file (the parent process died or closed our pipe).
pub fn cancel_on_signal(token: CancellationToken, exit_with_parent: bool) {
    tokio::spawn(async move {
        let reason = tokio::select! {
            () = signal() => "stop signal",
            () = parent_gone(exit_with_parent) => "parent process gone",
        };
        tracing::info!(reason, "shutting down");
        token.cancel();
    });
}

/// Completes on the first SIGINT (Ctrl-C) or SIGTERM (what Kubernetes and `bazaar up` send).
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

async fn parent_gone(enabled: bool) {
    if !enabled {
        return std::future::pending().await;
    }
    use tokio::io::AsyncReadExt as _;
    let mut stdin = tokio::io::stdin();
    let mut buffer = [0_u8; 64];
    loop {
        match stdin.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Waits for `work` to finish after `token` is cancelled, but no longer than `grace`.
/// Returns `false` when the grace period ran out first.
pub async fn drain<F: Future<Output = ()>>(
    token: &CancellationToken,
    grace: Duration,
    work: F,
) -> bool {
    tokio::pin!(work);
    tokio::select! {
        () = &mut work => return true,
        () = token.cancelled() => {}
    }
    tokio::time::timeout(grace, work).await.is_ok()
}
