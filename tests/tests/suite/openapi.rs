//! `/openapi.json` against the router: every `/api/` route the server serves is in the
//! document with its methods (and nothing else is), and the document is one that client
//! generators accept. `tests/openapi/validate.sh` also runs a standard validator on it.

use std::collections::{BTreeMap, BTreeSet};

use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{settings, ServerOptions, TestServer};
use frontline_widget_server::Application;
use serde_json::Value;

/// A route as `(path template, lowercase method)`, e.g. `("/api/v1/admin/stats", "get")`.
type Route = (String, String);

const METHODS: [&str; 9] = [
    "get", "head", "delete", "options", "patch", "post", "put", "trace", "connect",
];

/// Every `(path, method)` that `router` serves under `/api/`.
///
/// axum deliberately has no public route listing, so this reads the router's `Debug`
/// output, which prints each path (`RouteId(3): "/api/…"`) and, per route, whether each
/// method has a handler (`MethodRouter { get: Route, head: None, … }`). A route served
/// by a whole service (`route_service`) answers every method and is listed as `*`.
fn served_api_routes(router: &axum::Router) -> BTreeSet<Route> {
    let debug = format!("{router:?}");
    // Only the routes proper: the fallback router numbers its routes separately.
    let routes = debug
        .split_once("fallback_router: ")
        .map_or(debug.as_str(), |(routes, _)| routes);
    let mut paths = BTreeMap::new();
    let mut methods = BTreeMap::new();
    for piece in routes.split("RouteId(").skip(1) {
        let Some((id, rest)) = piece.split_once("): ") else {
            continue;
        };
        if let Some(path) = rest.strip_prefix('"') {
            let path = path.split('"').next().unwrap_or_default();
            paths.insert(id.to_string(), path.to_string());
        } else if let Some(fields) = rest.strip_prefix("MethodRouter(MethodRouter { ") {
            let served: Vec<String> = fields
                .split(", ")
                .filter_map(|field| field.split_once(": "))
                .filter(|(name, value)| METHODS.contains(name) && *value != "None")
                .map(|(name, _)| name.to_string())
                .collect();
            methods.insert(id.to_string(), served);
        } else if rest.starts_with("Route(") {
            methods.insert(id.to_string(), vec!["*".to_string()]);
        }
    }
    assert!(
        !paths.is_empty() && paths.len() == methods.len(),
        "cannot read the routes from the router's Debug output (has axum changed it?): {debug}"
    );
    let mut served = BTreeSet::new();
    for (id, path) in &paths {
        for method in methods.get(id).into_iter().flatten() {
            if path.starts_with("/api/") {
                served.insert((path.clone(), method.clone()));
            }
        }
    }
    served
}

/// Every `(path, method)` the document lists.
fn documented_routes(spec: &Value) -> BTreeSet<Route> {
    let paths = spec["paths"].as_object().expect("`paths` is an object");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item is an object");
            item.keys()
                .filter(|key| METHODS.contains(&key.as_str()))
                .map(|method| (path.clone(), method.clone()))
        })
        .collect()
}

async fn served_document(server: &TestServer) -> Value {
    let (status, spec) = server.get_json("/openapi.json", None).await;
    assert_eq!(status, 200, "{spec}");
    spec
}

#[tokio::test]
async fn every_api_route_the_router_serves_is_documented_with_its_methods() {
    let db = TestDatabase::new(backends()[0]).await;
    let app = Application::build(settings(&db.url, &ServerOptions::default()))
        .await
        .expect("widget server starts");
    let served = served_api_routes(&app.router());
    let server = TestServer::serve(app);
    let documented = documented_routes(&served_document(&server).await);

    // The reading of the router finds the routes a customer and an agent use.
    for (path, method) in [
        ("/api/v1/sites/{site}/ask", "post"),
        ("/api/v1/sites/{site}/suggest", "get"),
        ("/api/v1/conversations/{id}/events", "get"),
        ("/api/v1/admin/escalations/{id}/claim", "post"),
        ("/api/v1/admin/stats", "get"),
    ] {
        assert!(
            served.contains(&(path.to_string(), method.to_string())),
            "{method} {path} not found among the served routes {served:?}"
        );
    }
    let undocumented: Vec<_> = served.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "served under /api/ but missing from /openapi.json: {undocumented:?}"
    );
    let not_served: Vec<_> = documented.difference(&served).collect();
    assert!(
        not_served.is_empty(),
        "in /openapi.json but not served: {not_served:?}"
    );
}

#[tokio::test]
async fn the_document_names_each_operation_once_and_puts_parameters_where_they_are_read() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let spec = served_document(&server).await;

    let mut operation_ids = BTreeMap::<String, Vec<Route>>::new();
    let mut parameters = BTreeMap::<Route, Vec<(String, String)>>::new();
    for (path, method) in documented_routes(&spec) {
        let operation = &spec["paths"][&path][&method];
        let id = operation["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{method} {path} has no operationId");
        operation_ids
            .entry(id.to_string())
            .or_default()
            .push((path.clone(), method.clone()));
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap_or_default().to_string();
            let place = parameter["in"].as_str().unwrap_or_default().to_string();
            if place == "path" {
                assert!(
                    path.contains(&format!("{{{name}}}")) && parameter["required"] == true,
                    "{method} {path}: path parameter `{name}` is not a required part of the path"
                );
            }
            parameters
                .entry((path.clone(), method.clone()))
                .or_default()
                .push((name, place));
        }
    }
    let reused: Vec<_> = operation_ids
        .iter()
        .filter(|(_, routes)| routes.len() > 1)
        .collect();
    assert!(reused.is_empty(), "operationIds used twice: {reused:?}");

    // The query strings the widget and the admin tools send, where a client sends them.
    for (path, method, name, place) in [
        ("/api/v1/admin/escalations", "get", "status", "query"),
        ("/api/v1/admin/escalations", "get", "site", "query"),
        ("/api/v1/admin/stats", "get", "site", "query"),
        ("/api/v1/admin/stats", "get", "from", "query"),
        ("/api/v1/admin/stats", "get", "to", "query"),
        ("/api/v1/admin/stats", "get", "tz", "query"),
        ("/api/v1/sites/{site}/suggest", "get", "q", "query"),
        ("/api/v1/sites/{site}/suggest", "get", "site", "path"),
        ("/api/v1/conversations/{id}/events", "get", "token", "query"),
        ("/api/v1/conversations/{id}/events", "get", "after", "query"),
    ] {
        let declared = &parameters[&(path.to_string(), method.to_string())];
        assert!(
            declared.contains(&(name.to_string(), place.to_string())),
            "{method} {path}: `{name}` should be in {place}, is {declared:?}"
        );
    }
}
