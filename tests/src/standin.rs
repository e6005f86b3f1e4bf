//! Serving a stand-in router on a random loopback port, stopped when dropped.

use axum::Router;

/// Stops the server when dropped.
#[derive(Debug)]
pub struct ServerGuard {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl ServerGuard {
    /// A guard that sends on `stop` when dropped.
    pub fn new(stop: tokio::sync::oneshot::Sender<()>) -> ServerGuard {
        ServerGuard { stop: Some(stop) }
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `router` on `127.0.0.1:0`; returns `http://127.0.0.1:{port}` and the guard.
pub async fn serve(router: Router) -> (String, ServerGuard) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    (format!("http://{addr}"), ServerGuard { stop: Some(stop) })
}
