//! Background work stands aside while a request is served: the request
//! pipeline counts every request from its start (`Store::serving`), and a
//! purge's steps wait for it (`Store::stand_aside`, bounded). Here a request
//! whose body has not all arrived is held in flight through the real router.

mod common;

use axum::body::{Body, Bytes};
use axum::http::{Method, StatusCode, header};
use common::App;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// A request body that arrives when the test sends it.
struct Chunks(tokio::sync::mpsc::Receiver<Bytes>);

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(Ok))
    }
}

/// How long one `stand_aside` took.
async fn standing_aside(app: &App) -> Duration {
    let started = Instant::now();
    app.state.store.stand_aside().await;
    started.elapsed()
}

async fn a_purge_step_stands_aside_while_a_request_is_served(app: App) {
    let (body, chunks) = tokio::sync::mpsc::channel(1);
    let request = App::request(Method::POST, "/api/v1/messages")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(Chunks(chunks)))
        .expect("request");
    let served = tokio::spawn(app.router.clone().oneshot(request));

    // Without foreground work it returns at once; while the request is in
    // flight it waits out its bound (10 ms). Three times in a row, so that a
    // slow scheduler alone cannot pass the test.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut in_a_row = 0;
    while in_a_row < 3 {
        assert!(
            Instant::now() < deadline,
            "stand_aside never waited for the request in flight"
        );
        if standing_aside(&app).await >= Duration::from_millis(10) {
            in_a_row += 1;
        } else {
            in_a_row = 0;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    assert!(!served.is_finished(), "the request ended before its body arrived");

    // The body arrives (naming no channel) and the request ends.
    let post = r#"{"channel_id":"nowhere","author":{"agent":"nobody"},"body":"hi"}"#;
    body.send(Bytes::from(post)).await.expect("the request reads its body");
    drop(body);
    let response = served.await.expect("router task").expect("infallible router");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

both_backends!(a_purge_step_stands_aside_while_a_request_is_served);
