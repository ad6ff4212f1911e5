//! Strict reads of the parsed tree: a child is looked up among direct children
//! only and must be there exactly once (never "the first match anywhere", the
//! habit signature wrapping exploits), and element text is all of its text or
//! a refusal, never its first text node (the comment-injection bypass).

use crate::failure::{Failed, fail};
use roxmltree::{Node, NodeType};

pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const NS_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// The direct element children of `node` named `{ns}name`.
pub fn children<'a, 'i>(node: Node<'a, 'i>, ns: &'a str, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.has_tag_name((ns, name)))
}

/// The one direct child `{ns}name`, or a refusal with `code`.
pub fn only_child<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
    code: &'static str,
) -> Result<Node<'a, 'i>, Failed> {
    optional_child(node, ns, name, code)?
        .ok_or_else(|| fail(code, format!("<{}> has no <{name}>", node.tag_name().name())))
}

/// The direct child `{ns}name` if there is one; more than one is a refusal with `code`.
pub fn optional_child<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
    code: &'static str,
) -> Result<Option<Node<'a, 'i>>, Failed> {
    let mut found = children(node, ns, name);
    let first = found.next();
    if found.next().is_some() {
        return Err(fail(
            code,
            format!("<{}> has more than one <{name}>", node.tag_name().name()),
        ));
    }
    Ok(first)
}

/// All of an element's text, which must be nothing but text (no comments,
/// elements or processing instructions), trimmed; refused with `code` if empty.
pub fn strict_text(node: Node<'_, '_>, code: &'static str) -> Result<String, Failed> {
    let name = node.tag_name().name();
    let mut text = String::new();
    for child in node.children() {
        match child.node_type() {
            NodeType::Text => text.push_str(child.text().unwrap_or("")),
            NodeType::Comment => return Err(fail(code, format!("<{name}> has a comment inside its text"))),
            _ => return Err(fail(code, format!("<{name}> has markup inside its text"))),
        }
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(fail(code, format!("<{name}> is empty")));
    }
    Ok(text.to_string())
}

/// Base64 as XML carries it: whitespace between the characters is ignored.
pub fn base64_text(node: Node<'_, '_>, code: &'static str) -> Result<Vec<u8>, Failed> {
    use base64::Engine;
    let text = strict_text(node, code)?;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| fail(code, format!("<{}> is not base64", node.tag_name().name())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_all_or_nothing() {
        let doc =
            roxmltree::Document::parse("<r><a> x<![CDATA[y]]>z </a><b>x<!---->y</b><c>x<i/>y</c><d> </d></r>").unwrap();
        let get = |n: &str| doc.descendants().find(|e| e.has_tag_name(n)).unwrap();
        assert_eq!(strict_text(get("a"), "c").unwrap(), "xyz");
        for bad in ["b", "c", "d"] {
            assert!(strict_text(get(bad), "c").is_err(), "{bad}");
        }
    }

    #[test]
    fn only_direct_children_count() {
        let doc = roxmltree::Document::parse("<r xmlns='urn:x'><a/><b><a/></b><c/><c/></r>").unwrap();
        let root = doc.root_element();
        assert!(only_child(root, "urn:x", "a", "e").is_ok());
        assert!(only_child(root, "urn:x", "c", "e").is_err());
        assert!(only_child(root, "urn:y", "a", "e").is_err());
        assert_eq!(optional_child(root, "urn:x", "z", "e").unwrap(), None);
    }
}
