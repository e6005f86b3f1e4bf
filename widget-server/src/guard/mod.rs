//! Guards at the door: rate limits, allowed origins, conversation and admin tokens.

pub mod admin;
pub mod origins;
pub mod rate_limit;
pub mod token;

use std::future::{ready, Ready};
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use tower::{Layer, Service};

use crate::state::AppState;

/// The public API's guard: the origin check, then the rate limits. One layer for both,
/// and a plain service rather than `middleware::from_fn`: the checks need nothing
/// asynchronous, so a refused request is answered at once and an accepted one goes on
/// without a boxed future or a clone of the inner service (every request pays for them).
#[derive(Clone)]
pub struct PublicApiLayer {
    state: AppState,
}

impl PublicApiLayer {
    pub fn new(state: AppState) -> Self {
        PublicApiLayer { state }
    }
}

impl<S> Layer<S> for PublicApiLayer {
    type Service = PublicApi<S>;

    fn layer(&self, inner: S) -> PublicApi<S> {
        PublicApi {
            inner,
            state: self.state.clone(),
        }
    }
}

/// See [`PublicApiLayer`].
#[derive(Clone)]
pub struct PublicApi<S> {
    inner: S,
    state: AppState,
}

impl<S> Service<Request> for PublicApi<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let checked = origins::verify(&self.state, &request)
            .and_then(|()| rate_limit::verify(&self.state, &request));
        match checked {
            Ok(()) => Either::Right(self.inner.call(request)),
            Err(refused) => Either::Left(ready(Ok(refused.into_response()))),
        }
    }
}
