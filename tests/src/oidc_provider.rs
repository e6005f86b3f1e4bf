//! A loopback OpenID Connect provider: discovery, JWKS, authorization and token
//! endpoints, with RS256 ID tokens signed by a committed test key.
//!
//! What it implements, and where the shapes come from:
//! - `GET /.well-known/openid-configuration`: the discovery document of OpenID Connect
//!   Discovery 1.0 §3 and §4 (https://openid.net/specs/openid-connect-discovery-1_0.html):
//!   `issuer` equal to the URL it is fetched under, the endpoints, `jwks_uri`, and the
//!   REQUIRED `response_types_supported`, `subject_types_supported`,
//!   `id_token_signing_alg_values_supported` (`RS256`).
//! - `GET /jwks`: the JSON Web Key Set (RFC 7517 §5) with the public RSA key (`kty`,
//!   `use` = `sig`, `alg` = `RS256`, `kid`, base64url `n` and `e`; RFC 7518 §6.3.1).
//! - `GET /authorize`: the authorization endpoint of OpenID Connect Core 1.0 §3.1.2.1
//!   (https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest) for
//!   `response_type=code` with PKCE (RFC 7636 §4.3, `code_challenge_method=S256`). It
//!   does not show a login form: it signs in as [`OidcProvider::sign_in_as`]'s person and
//!   answers `302` to `redirect_uri?code=…&state=…` (Core §3.1.2.5).
//! - `POST /token`: the token endpoint of Core §3.1.3.1: client authentication with HTTP
//!   Basic (RFC 6749 §2.3.1, form-urlencoded id and secret), `grant_type=
//!   authorization_code`, a code that works once, the same `redirect_uri`, and the PKCE
//!   check `BASE64URL(SHA256(code_verifier)) == code_challenge` (RFC 7636 §4.6). The
//!   answer (Core §3.1.3.3) carries an ID token (Core §2: `iss`, `sub`, `aud`, `exp`,
//!   `iat`, `nonce`, plus `email`, `email_verified`, `name` and any extra claims),
//!   signed RS256 (RFC 7515 compact serialization) with the `rsa` crate, not with the
//!   library under test.
//!
//! [`Forgery`] makes the next ID token wrong in one way, as an attacker or a broken
//! provider would: another audience, expired, signed with another key under the same
//! `kid`, or carrying the nonce of an earlier sign-in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::standin::ServerGuard;

/// The client the provider knows (`[auth.oidc] client_id`).
pub const CLIENT_ID: &str = "frontline-test";
/// That client's secret (`FRONTLINE_OIDC_CLIENT_SECRET`).
pub const CLIENT_SECRET: &str = "oidc-client-secret-for-tests";
/// The `kid` of the provider's signing key.
pub const KEY_ID: &str = "test-key-1";

const PROVIDER_KEY: &str = include_str!("../fixtures/oidc/provider-key.pem");
const FORGER_KEY: &str = include_str!("../fixtures/oidc/forger-key.pem");

/// Who signs in at the authorization endpoint.
#[derive(Debug, Clone)]
pub struct Person {
    pub email: String,
    pub name: String,
    /// `email_verified`; `None` leaves the claim out.
    pub email_verified: Option<bool>,
    /// More claims, e.g. `{"frontline_role": "admin"}`.
    pub extra: serde_json::Map<String, Value>,
}

impl Person {
    pub fn new(email: &str, name: &str) -> Person {
        Person {
            email: email.into(),
            name: name.into(),
            email_verified: Some(true),
            extra: serde_json::Map::new(),
        }
    }

    /// With claim `name` set to `value`.
    pub fn with_claim(mut self, name: &str, value: Value) -> Person {
        self.extra.insert(name.into(), value);
        self
    }
}

/// One way to make the next ID token wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// `aud` is another client.
    WrongAudience,
    /// `exp` an hour ago (`iat` two hours ago).
    Expired,
    /// Signed with another key, under the provider's `kid`.
    BadSignature,
    /// The nonce of the sign-in before this one.
    ReplayedNonce,
}

#[derive(Debug)]
struct Grant {
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: String,
    person: Person,
}

#[derive(Debug, Default)]
struct Inner {
    person: Option<Person>,
    forgery: Option<Forgery>,
    codes: HashMap<String, Grant>,
    /// The nonce of the latest authorization request before the current one.
    previous_nonce: Option<String>,
    latest_nonce: Option<String>,
    /// Token requests answered with an ID token.
    tokens_issued: usize,
}

#[derive(Clone)]
struct Provider {
    issuer: String,
    inner: Arc<Mutex<Inner>>,
    key: Arc<RsaPrivateKey>,
    forger: Arc<RsaPrivateKey>,
}

/// The running provider.
#[derive(Debug)]
pub struct OidcProvider {
    /// The issuer URL (`[auth.oidc] issuer`).
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
    _guard: ServerGuard,
}

fn key(pem: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(pem).expect("a PKCS#8 RSA test key")
}

impl OidcProvider {
    /// Starts the provider on a random loopback port.
    pub async fn start() -> OidcProvider {
        // The issuer (in the discovery document and every ID token) is the URL the
        // provider is reached at, so the port is bound before the router is made.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let issuer = format!("http://{}", listener.local_addr().expect("address"));
        let inner = Arc::new(Mutex::new(Inner::default()));
        let provider = Provider {
            issuer: issuer.clone(),
            inner: Arc::clone(&inner),
            key: Arc::new(key(PROVIDER_KEY)),
            forger: Arc::new(key(FORGER_KEY)),
        };
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(provider);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        OidcProvider {
            issuer,
            inner,
            _guard: ServerGuard::new(stop),
        }
    }

    /// The person the next authorization signs in as.
    pub fn sign_in_as(&self, person: Person) {
        self.lock().person = Some(person);
    }

    /// Makes the next ID token wrong in this way (once).
    pub fn forge_next(&self, forgery: Forgery) {
        self.lock().forgery = Some(forgery);
    }

    /// ID tokens issued so far.
    pub fn tokens_issued(&self) -> usize {
        self.lock().tokens_issued
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("provider state")
    }
}

async fn discovery(State(p): State<Provider>) -> Json<Value> {
    let base = &p.issuer;
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "email_verified", "name"],
    }))
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn jwks(State(p): State<Provider>) -> Json<Value> {
    let public = p.key.to_public_key();
    Json(json!({ "keys": [{
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": KEY_ID,
        "n": b64(&public.n().to_bytes_be()),
        "e": b64(&public.e().to_bytes_be()),
    }]}))
}

#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

fn bad_request(error: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
}

async fn authorize(State(p): State<Provider>, Query(q): Query<AuthorizeQuery>) -> Response {
    if q.response_type != "code" || q.client_id != CLIENT_ID {
        return bad_request("unauthorized_client");
    }
    if !q.scope.split(' ').any(|s| s == "openid") {
        return bad_request("invalid_scope");
    }
    let (Some(challenge), Some("S256")) = (q.code_challenge, q.code_challenge_method.as_deref())
    else {
        return bad_request("invalid_request");
    };
    let mut inner = p.inner.lock().expect("provider state");
    let Some(person) = inner.person.clone() else {
        return bad_request("access_denied");
    };
    inner.previous_nonce = inner.latest_nonce.take();
    inner.latest_nonce = q.nonce.clone();
    let code = hex::encode(rand::random::<[u8; 16]>());
    inner.codes.insert(
        code.clone(),
        Grant {
            redirect_uri: q.redirect_uri.clone(),
            nonce: q.nonce,
            code_challenge: challenge,
            person,
        },
    );
    let mut location = format!("{}?code={code}", q.redirect_uri);
    if let Some(state) = q.state {
        let state: String = serde_urlencoded::to_string([("state", state)]).expect("encode");
        location = format!("{location}&{state}");
    }
    Redirect::to(&location).into_response()
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: Option<String>,
}

/// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn client_authenticated(headers: &HeaderMap) -> bool {
    let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = STANDARD.decode(basic.trim()) else {
        return false;
    };
    let text = String::from_utf8_lossy(&decoded);
    let Some((id, secret)) = text.split_once(':') else {
        return false;
    };
    percent_decode(id) == CLIENT_ID && percent_decode(secret) == CLIENT_SECRET
}

fn percent_decode(s: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|(_, v)| v)
        .unwrap_or_default()
}

async fn token(
    State(p): State<Provider>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    if !client_authenticated(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    if form.grant_type != "authorization_code" {
        return bad_request("unsupported_grant_type");
    }
    let mut inner = p.inner.lock().expect("provider state");
    let Some(grant) = inner.codes.remove(&form.code) else {
        return bad_request("invalid_grant");
    };
    let verified = form
        .code_verifier
        .as_deref()
        .is_some_and(|v| b64(&Sha256::digest(v.as_bytes())) == grant.code_challenge);
    if grant.redirect_uri != form.redirect_uri || !verified {
        return bad_request("invalid_grant");
    }
    let forgery = inner.forgery.take();
    let now = jiff::Timestamp::now().as_second();
    let (iat, exp) = match forgery {
        Some(Forgery::Expired) => (now - 7200, now - 3600),
        _ => (now, now + 300),
    };
    let audience = match forgery {
        Some(Forgery::WrongAudience) => "another-application",
        _ => CLIENT_ID,
    };
    let nonce = match forgery {
        Some(Forgery::ReplayedNonce) => inner.previous_nonce.clone(),
        _ => grant.nonce.clone(),
    };
    let person = &grant.person;
    let mut claims = json!({
        "iss": p.issuer,
        "sub": format!("sub-{}", person.email),
        "aud": audience,
        "iat": iat,
        "exp": exp,
        "email": person.email,
        "name": person.name,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    if let Some(verified) = person.email_verified {
        claims["email_verified"] = json!(verified);
    }
    for (name, value) in &person.extra {
        claims[name] = value.clone();
    }
    let key = match forgery {
        Some(Forgery::BadSignature) => &p.forger,
        _ => &p.key,
    };
    let id_token = sign(key, &claims);
    inner.tokens_issued += 1;
    Json(json!({
        "access_token": hex::encode(rand::random::<[u8; 16]>()),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

/// An RS256 JWS in compact serialization (RFC 7515 §7.1): header, claims, signature.
fn sign(key: &RsaPrivateKey, claims: &Value) -> String {
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": KEY_ID });
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signer = SigningKey::<Sha256>::new(key.clone());
    let signature = signer.sign(input.as_bytes());
    format!("{input}.{}", b64(&signature.to_bytes()))
}
