//! Running the on-login chain: every enabled extension that exports on-login,
//! in the admin's order; the first that accepts or refuses decides, and a
//! failing hook refuses (fail closed, applied by the runtime). The chain runs
//! on a blocking thread because hooks may call `kv`, which waits on the
//! database (see `platform::kv`).

use crate::state::AppState;
use exthost_runtime::HookContext;
use exthost_runtime::types::{LoginClaim, LoginDecision, LoginMethod, LoginRefusal, LoginRequest};

/// What the chain decided.
pub enum Outcome {
    /// No extension had an opinion.
    NoOpinion,
    Accept {
        extension: String,
        claim: LoginClaim,
    },
    Refuse {
        extension: String,
        refusal: LoginRefusal,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("the on-login chain did not finish: {0}")]
pub struct ChainError(String);

/// Run the chain for one attempt. `params` never holds a password.
pub async fn on_login(
    state: &AppState,
    method: LoginMethod,
    params: Vec<(String, String)>,
    peer_addr: String,
) -> Result<Outcome, ChainError> {
    let chain = state.registry.login_chain();
    if chain.is_empty() {
        return Ok(Outcome::NoOpinion);
    }
    let request = LoginRequest {
        method,
        params,
        peer_addr,
    };
    let ctx = HookContext {
        now: u64::try_from(crate::store::now_ms()).unwrap_or(0),
        request_id: crate::store::new_id(),
    };
    tokio::task::spawn_blocking(move || {
        for ext in chain.iter() {
            match ext.check_login(&ctx, &request) {
                LoginDecision::Pass => continue,
                LoginDecision::Accept(claim) => {
                    return Outcome::Accept {
                        extension: ext.id().to_string(),
                        claim,
                    };
                }
                LoginDecision::Refuse(refusal) => {
                    return Outcome::Refuse {
                        extension: ext.id().to_string(),
                        refusal,
                    };
                }
            }
        }
        Outcome::NoOpinion
    })
    .await
    .map_err(|e| ChainError(e.to_string()))
}
