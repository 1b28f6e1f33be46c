//! The XML generator of the library's property test
//! (`tests/support/xml_gen.rs`) means what `xmlparser` reads: on every
//! generated document, xmlparser's elements and decoded text are the
//! events the generator expects. Here, in the bench member, because
//! xmlparser is a peer the library's tests and examples must not build.

#[path = "../../tests/support/xml_gen.rs"]
mod xml_gen;

use proptest::prelude::*;
use xml_gen::{Ev, document, push_text};

/// XML line-end normalisation, then references: what the text means.
fn unescape(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::new();
    let mut rest = raw.as_str();
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find(';').unwrap() + i;
        let name = &rest[i + 1..j];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&n[2..], 16).unwrap()).unwrap()
            }
            n if n.starts_with('#') => char::from_u32(n[1..].parse().unwrap()).unwrap(),
            n => panic!("entity {n}"),
        };
        out.push(c);
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

fn xmlparser_events(doc: &str) -> Vec<Ev> {
    use xmlparser::{ElementEnd, Token};
    let mut out = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut pending: Option<String> = None;
    let qname = |p: &str, l: &str| {
        if p.is_empty() {
            l.to_string()
        } else {
            format!("{p}:{l}")
        }
    };
    for token in xmlparser::Tokenizer::from(doc) {
        match token.unwrap() {
            Token::ElementStart { prefix, local, .. } => {
                let n = qname(prefix.as_str(), local.as_str());
                out.push(Ev::Start(n.clone()));
                pending = Some(n);
            }
            Token::ElementEnd { end, .. } => match end {
                ElementEnd::Open => open.push(pending.take().unwrap()),
                ElementEnd::Empty => out.push(Ev::End(pending.take().unwrap())),
                ElementEnd::Close(p, l) => {
                    let n = qname(p.as_str(), l.as_str());
                    assert_eq!(open.pop().as_deref(), Some(n.as_str()));
                    out.push(Ev::End(n));
                }
            },
            Token::Text { text } if !open.is_empty() => {
                push_text(&mut out, &unescape(text.as_str()));
            }
            Token::Cdata { text, .. } => {
                push_text(
                    &mut out,
                    &text.as_str().replace("\r\n", "\n").replace('\r', "\n"),
                );
            }
            _ => {}
        }
    }
    assert!(open.is_empty());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn xmlparser_reads_what_the_generator_means((doc, expect) in document()) {
        prop_assert_eq!(xmlparser_events(&doc), expect, "generator and xmlparser disagree on {:?}", doc);
    }
}
