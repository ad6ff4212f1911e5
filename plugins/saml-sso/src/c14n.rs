//! Exclusive XML canonicalisation (exc-c14n, W3C 2002, with and without
//! comments, with an InclusiveNamespaces PrefixList) of one element's subtree
//! of a parsed document, optionally leaving one descendant out (the enveloped
//! signature). It works on the same tree the identity is later read from, so
//! what is digested and what is believed cannot differ. Prefixes are taken from
//! the source text (roxmltree keeps positions), because c14n renders qualified
//! names as written.

use roxmltree::{Node, NodeId, NodeType};
use std::collections::BTreeMap;

/// How to canonicalise.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Keep comments (`#WithComments`).
    pub with_comments: bool,
    /// InclusiveNamespaces PrefixList; `#default` names the default namespace.
    pub inclusive_prefixes: Vec<String>,
    /// A node left out with its subtree (the enveloped Signature).
    pub exclude: Option<NodeId>,
}

/// The prefix an element or attribute was written with (`None`: unprefixed).
fn prefix_of(qname: &str) -> Option<&str> {
    qname.split_once(':').map(|(p, _)| p)
}

/// An element's qualified name as written in the source.
pub fn element_qname<'i>(node: Node<'_, 'i>) -> &'i str {
    let text = node.document().input_text();
    let start = node.range().start + 1;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    &rest[..end]
}

fn attribute_qname<'i>(node: Node<'_, 'i>, attr: &roxmltree::Attribute<'_, 'i>) -> &'i str {
    &node.document().input_text()[attr.range_qname()]
}

fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Namespace bindings rendered by output ancestors: prefix (None: default) to URI.
type Rendered<'a> = BTreeMap<Option<&'a str>, &'a str>;

/// The canonical form of `apex` and its subtree.
pub fn canonicalize(apex: Node<'_, '_>, options: &Options) -> String {
    let mut out = String::new();
    render(apex, options, &Rendered::new(), &mut out);
    out
}

fn render<'a>(node: Node<'a, '_>, options: &Options, rendered: &Rendered<'a>, out: &mut String) {
    if Some(node.id()) == options.exclude {
        return;
    }
    match node.node_type() {
        NodeType::Element => render_element(node, options, rendered, out),
        NodeType::Text => escape_text(node.text().unwrap_or(""), out),
        NodeType::Comment if options.with_comments => {
            out.push_str("<!--");
            out.push_str(node.text().unwrap_or(""));
            out.push_str("-->");
        }
        NodeType::PI => {
            if let Some(pi) = node.pi() {
                out.push_str("<?");
                out.push_str(pi.target);
                if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                    out.push(' ');
                    out.push_str(value);
                }
                out.push_str("?>");
            }
        }
        NodeType::Comment | NodeType::Root => {}
    }
}

fn render_element<'a>(node: Node<'a, '_>, options: &Options, rendered: &Rendered<'a>, out: &mut String) {
    let qname = element_qname(node);
    // The prefixes this element visibly utilises, then those the PrefixList adds.
    let mut wanted: Vec<Option<&str>> = vec![prefix_of(qname)];
    for attr in node.attributes() {
        let p = prefix_of(attribute_qname(node, &attr));
        if p.is_some() && p != Some("xml") {
            wanted.push(p);
        }
    }
    for p in &options.inclusive_prefixes {
        let p = if p == "#default" { None } else { Some(p.as_str()) };
        // Only prefixes in scope here are rendered.
        if p.is_none() || node.lookup_namespace_uri(p).is_some() {
            wanted.push(p);
        }
    }
    let mut declared: BTreeMap<Option<&'a str>, &'a str> = BTreeMap::new();
    for p in wanted {
        let uri = node
            .namespaces()
            .find(|ns| ns.name() == p)
            .map(|ns| (ns.name(), ns.uri()));
        match (p, uri) {
            (None, Some((_, uri))) => {
                if rendered.get(&None).copied().unwrap_or("") != uri {
                    declared.insert(None, uri);
                }
            }
            // No default namespace in scope: undeclare it only if an output ancestor declared one.
            (None, None) => {
                if !rendered.get(&None).copied().unwrap_or("").is_empty() {
                    declared.insert(None, "");
                }
            }
            (Some(_), Some((name, uri))) => {
                if rendered.get(&name) != Some(&uri) {
                    declared.insert(name, uri);
                }
            }
            // A prefix without a binding cannot occur in a namespace-well-formed document.
            (Some(_), None) => {}
        }
    }
    out.push('<');
    out.push_str(qname);
    // BTreeMap order: None (the default namespace) first, then prefixes in order.
    for (prefix, uri) in &declared {
        match prefix {
            None => out.push_str(" xmlns=\""),
            Some(p) => {
                out.push_str(" xmlns:");
                out.push_str(p);
                out.push_str("=\"");
            }
        }
        escape_attr(uri, out);
        out.push('"');
    }
    let mut attrs: Vec<_> = node
        .attributes()
        .map(|a| {
            (
                a.namespace().unwrap_or(""),
                a.name(),
                attribute_qname(node, &a),
                a.value(),
            )
        })
        .collect();
    attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (_, _, qname, value) in attrs {
        out.push(' ');
        out.push_str(qname);
        out.push_str("=\"");
        escape_attr(value, out);
        out.push('"');
    }
    out.push('>');
    let inner;
    let rendered = if declared.is_empty() {
        rendered
    } else {
        let mut r = rendered.clone();
        r.extend(declared);
        inner = r;
        &inner
    };
    for child in node.children() {
        render(child, options, rendered, out);
    }
    out.push_str("</");
    out.push_str(qname);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(xml: &str, with_comments: bool, prefixes: &[&str]) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let apex = doc.descendants().find(|n| n.has_tag_name("target")).unwrap();
        let options = Options {
            with_comments,
            inclusive_prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
            exclude: doc.descendants().find(|n| n.has_tag_name("drop")).map(|n| n.id()),
        };
        canonicalize(apex, &options)
    }

    #[test]
    fn renders_only_visibly_utilised_namespaces() {
        let xml = r#"<r xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" xmlns:u="urn:u"><a:target u:x="1" y='2'><b:c/><e/><drop>gone</drop></a:target></r>"#;
        assert_eq!(
            c14n(xml, false, &[]),
            r#"<a:target xmlns:a="urn:a" xmlns:u="urn:u" y="2" u:x="1"><b:c xmlns:b="urn:b"></b:c><e xmlns="urn:d"></e></a:target>"#
        );
        // The PrefixList brings in-scope prefixes in like inclusive c14n.
        assert_eq!(
            c14n(xml, false, &["b", "#default", "zz"]),
            r#"<a:target xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" xmlns:u="urn:u" y="2" u:x="1"><b:c></b:c><e></e></a:target>"#
        );
    }

    #[test]
    fn sorts_attributes_by_namespace_then_name_and_escapes() {
        let xml = "<target xmlns:z=\"urn:a\" xmlns:a=\"urn:z\" b=\"&lt;&amp;&quot;&#9;&#10;\" a:c=\"1\" z:d=\"2\" a=\"x\">a&amp;b&lt;c&gt;d&#13;<?pi  data?><!--note--></target>";
        assert_eq!(
            c14n(xml, false, &[]),
            "<target xmlns:a=\"urn:z\" xmlns:z=\"urn:a\" a=\"x\" b=\"&lt;&amp;&quot;&#x9;&#xA;\" z:d=\"2\" a:c=\"1\">a&amp;b&lt;c&gt;d&#xD;<?pi data?></target>"
        );
        assert!(c14n(xml, true, &[]).ends_with("<?pi data?><!--note--></target>"));
    }

    #[test]
    fn default_namespace_is_undeclared_only_under_a_declared_one() {
        let xml = r#"<target xmlns="urn:d"><in xmlns=""><deeper/></in></target>"#;
        assert_eq!(
            c14n(xml, false, &[]),
            r#"<target xmlns="urn:d"><in xmlns=""><deeper></deeper></in></target>"#
        );
        let xml = r#"<r xmlns="urn:d"><x:target xmlns:x="urn:x"><in xmlns=""/></x:target></r>"#;
        assert_eq!(
            c14n(xml, false, &[]),
            r#"<x:target xmlns:x="urn:x"><in></in></x:target>"#
        );
    }

    #[test]
    fn comments_split_text_but_are_not_rendered_without_the_option() {
        let xml = "<target>admin@x.com<!---->.evil.com</target>";
        assert_eq!(c14n(xml, false, &[]), "<target>admin@x.com.evil.com</target>");
        assert_eq!(c14n(xml, true, &[]), "<target>admin@x.com<!---->.evil.com</target>");
    }

    #[test]
    fn cdata_and_line_ends_are_normalised() {
        let xml = "<target><![CDATA[a<b]]>\r\nc</target>";
        assert_eq!(c14n(xml, false, &[]), "<target>a&lt;b\nc</target>");
    }
}
