//! The ID token claims Frontline reads beyond the standard ones.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Every non-standard claim of an ID token, by name (the configured `role_claim` is
/// read from here).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    claims: HashMap<String, serde_json::Value>,
}

impl ExtraClaims {
    /// The claim named `name`, if the token has it.
    pub fn get(&self, name: &str) -> Option<&serde_json::Value> {
        self.claims.get(name)
    }
}

impl openidconnect::AdditionalClaims for ExtraClaims {}
