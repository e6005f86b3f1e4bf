//! Guards at the door: rate limits, allowed origins, conversation and admin tokens, the
//! admin brute-force throttle, and who the client is behind trusted proxies.

pub mod admin;
pub mod auth_throttle;
pub mod client_ip;
pub mod origins;
pub mod rate_limit;
pub mod token;

use std::future::{ready, Ready};
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use tower::{Layer, Service};

use crate::error::ApiError;
use crate::state::AppState;

/// A check a request must pass before its handler runs; the error is the response.
pub type Check = fn(&AppState, &Request) -> Result<(), ApiError>;

/// The public API's checks: the origin, then the rate limits.
pub fn public_api(state: &AppState, request: &Request) -> Result<(), ApiError> {
    origins::verify(state, request).and_then(|()| rate_limit::verify(state, request))
}

/// Runs a [`Check`] in front of the routes it wraps (the public API's, the dashboard's).
/// A plain service rather than `middleware::from_fn`: the checks need nothing
/// asynchronous, so a refused request is answered at once and an accepted one goes on
/// without a boxed future or a clone of the inner service (every request pays for them).
#[derive(Clone)]
pub struct GuardLayer {
    state: AppState,
    check: Check,
}

impl GuardLayer {
    pub fn new(state: AppState, check: Check) -> Self {
        GuardLayer { state, check }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            state: self.state.clone(),
            check: self.check,
        }
    }
}

/// See [`GuardLayer`].
#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    state: AppState,
    check: Check,
}

impl<S> Service<Request> for Guard<S>
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
        match (self.check)(&self.state, &request) {
            Ok(()) => Either::Right(self.inner.call(request)),
            Err(refused) => Either::Left(ready(Ok(refused.into_response()))),
        }
    }
}
