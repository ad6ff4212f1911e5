//! Folding the outcomes of a chain of on-message hooks into what is stored on
//! the message: every extension's annotations, nested by the namespace before
//! the first `.` (`sentiment.label` becomes `{"sentiment": {"label": ...}}`),
//! and one moderation state. A hold wins over no opinion; an approve or a
//! reject is a decision, and the last decision in the admin's order wins over
//! holds and earlier decisions. The reason of a hold or reject is kept under
//! the host's own `moderation` annotation, since the message row has no column
//! for it.

use crate::store::Moderation;
use exthost_runtime::types::{self, MessageOutcome};
use serde_json::{Map, Value, json};

/// What a chain of hooks decided about one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Annotations nested by namespace; empty when no hook annotated.
    pub annotations: Map<String, Value>,
    pub moderation: Moderation,
}

impl Default for Verdict {
    fn default() -> Self {
        Verdict {
            annotations: Map::new(),
            moderation: Moderation::None,
        }
    }
}

/// Fold `(extension id, outcome)` pairs, in chain order.
pub fn fold(outcomes: impl IntoIterator<Item = (String, MessageOutcome)>) -> Verdict {
    let mut annotations = Map::new();
    let mut hold: Option<(String, String)> = None;
    let mut decision: Option<(Moderation, Option<(String, String)>)> = None;
    for (extension, outcome) in outcomes {
        for a in outcome.annotations {
            annotate(&mut annotations, &a.key, a.value);
        }
        match outcome.moderation {
            types::Moderation::None => {}
            types::Moderation::Hold(reason) => {
                // The first hold is the one agents are told about.
                hold.get_or_insert((extension, reason));
            }
            types::Moderation::Approve => decision = Some((Moderation::Approved, None)),
            types::Moderation::Reject(reason) => decision = Some((Moderation::Rejected, Some((extension, reason)))),
        }
    }
    let (moderation, why) = match (decision, hold) {
        (Some((moderation, why)), _) => (moderation, why),
        (None, Some(why)) => (Moderation::Pending, Some(why)),
        (None, None) => (Moderation::None, None),
    };
    if let Some((by, reason)) = why {
        annotations.insert("moderation".into(), json!({ "by": by, "reason": reason }));
    }
    Verdict {
        annotations,
        moderation,
    }
}

/// Put `value` under `key`; a dotted key goes one level down, under its namespace.
fn annotate(annotations: &mut Map<String, Value>, key: &str, value: String) {
    let Some((namespace, rest)) = key.split_once('.') else {
        annotations.insert(key.into(), Value::String(value));
        return;
    };
    let slot = annotations
        .entry(namespace)
        .or_insert_with(|| Value::Object(Map::new()));
    // A plain value already under the namespace's name gives way to the namespace.
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(inner) = slot {
        inner.insert(rest.into(), Value::String(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exthost_runtime::types::Annotation;

    fn outcome(annotations: &[(&str, &str)], moderation: types::Moderation) -> MessageOutcome {
        MessageOutcome {
            annotations: annotations
                .iter()
                .map(|(k, v)| Annotation {
                    key: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
            moderation,
        }
    }

    fn from(ext: &str, o: MessageOutcome) -> (String, MessageOutcome) {
        (ext.into(), o)
    }

    #[test]
    fn annotations_of_all_hooks_nest_by_namespace() {
        let v = fold([
            from(
                "a",
                outcome(
                    &[("sentiment.label", "negative"), ("sentiment.score", "-0.5")],
                    types::Moderation::None,
                ),
            ),
            from(
                "b",
                outcome(&[("plain", "x"), ("echo.length", "3")], types::Moderation::None),
            ),
        ]);
        assert_eq!(
            Value::Object(v.annotations),
            json!({"sentiment": {"label": "negative", "score": "-0.5"}, "plain": "x", "echo": {"length": "3"}})
        );
        assert_eq!(v.moderation, Moderation::None);
    }

    #[test]
    fn hold_wins_over_none_and_keeps_its_reason() {
        let v = fold([
            from("a", outcome(&[], types::Moderation::None)),
            from("netino", outcome(&[], types::Moderation::Hold("netino".into()))),
            from("c", outcome(&[], types::Moderation::None)),
        ]);
        assert_eq!(v.moderation, Moderation::Pending);
        assert_eq!(v.annotations["moderation"], json!({"by": "netino", "reason": "netino"}));
    }

    #[test]
    fn the_last_decision_wins() {
        let v = fold([
            from("a", outcome(&[], types::Moderation::Reject("spam".into()))),
            from("b", outcome(&[], types::Moderation::Hold("wait".into()))),
            from("c", outcome(&[], types::Moderation::Approve)),
        ]);
        assert_eq!(v.moderation, Moderation::Approved);
        assert!(!v.annotations.contains_key("moderation"));
        let v = fold([
            from("a", outcome(&[], types::Moderation::Approve)),
            from("b", outcome(&[], types::Moderation::Reject("spam".into()))),
        ]);
        assert_eq!(v.moderation, Moderation::Rejected);
        assert_eq!(v.annotations["moderation"], json!({"by": "b", "reason": "spam"}));
    }

    #[test]
    fn nothing_is_the_default() {
        assert_eq!(fold([]), Verdict::default());
    }
}
