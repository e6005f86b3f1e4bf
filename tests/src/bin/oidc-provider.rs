//! The loopback OpenID Connect provider as a process, for tests that are not written in
//! Rust (the browser's single sign-on, `tests/e2e/specs/people.test.mjs`).
//!
//! `oidc-provider EMAIL NAME` serves [`OidcProvider`] on a free loopback port, signs in as
//! that person at every authorization request, and prints one JSON line with what the
//! widget server needs, then runs until Ctrl-C or SIGTERM:
//!
//! ```text
//! {"issuer":"http://127.0.0.1:PORT","client_id":"frontline-test","client_secret":"…"}
//! ```
//!
//! Configure `[auth.oidc] issuer` and `client_id` from it and start the server with
//! `FRONTLINE_OIDC_CLIENT_SECRET=client_secret`.

use frontline_tests::oidc_provider::{OidcProvider, Person, CLIENT_ID, CLIENT_SECRET};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(email), Some(name)) = (args.next(), args.next()) else {
        eprintln!("usage: oidc-provider EMAIL NAME");
        std::process::exit(2);
    };
    let provider = OidcProvider::start().await;
    provider.sign_in_as(Person::new(&email, &name));
    let ready = serde_json::json!({
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    });
    println!("{ready}");
    frontline_shared::shutdown::os_signal().await;
}
