//! The baseline for HTTP benchmarks: a bare axum JSON echo, built and measured in the same
//! run as the widget server so results are reported as ratios on the same noisy machine.
//!
//! `echo-baseline 127.0.0.1:9000` serves `POST /echo` (returns the JSON body it got).

use axum::routing::post;
use axum::{Json, Router};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".into());
    let app = Router::new().route(
        "/echo",
        post(|Json(body): Json<serde_json::Value>| async move { Json(body) }),
    );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("echo baseline on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
