//! Property test: on generated well-formed documents, fed in random
//! pieces, the tokenizer reports the elements and decoded text the
//! generator intended. (That the generator means what `xmlparser` reads is
//! checked by the bench's `tests/xml_generator.rs`, so that the library's
//! tests and examples do not build a peer.)

#[path = "support/xml_gen.rs"]
mod xml_gen;

use proptest::prelude::*;
use tencent_cos_core::xml::{Event, Tokenizer, XmlError};
use xml_gen::{Ev, document, push_text};

fn ours(doc: &[u8], splits: &[usize]) -> Result<Vec<Ev>, XmlError> {
    let mut cuts: Vec<usize> = splits.iter().map(|s| s % (doc.len() + 1)).collect();
    cuts.sort_unstable();
    let mut t = Tokenizer::new();
    let mut out = Vec::new();
    let mut at = 0;
    for cut in cuts.into_iter().chain([doc.len()]) {
        t.feed(&doc[at..cut], &mut |e| {
            match e {
                Event::Start(n) => out.push(Ev::Start(n.as_str().unwrap().to_string())),
                Event::End(n) => out.push(Ev::End(n.as_str().unwrap().to_string())),
                Event::Text(s) => push_text(&mut out, s),
            }
            Ok::<_, XmlError>(())
        })?;
        at = cut;
    }
    t.finish()?;
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn matches_the_generator_in_any_pieces(
        (doc, expect) in document(),
        splits in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let got = ours(doc.as_bytes(), &splits);
        prop_assert_eq!(got.as_ref(), Ok(&expect), "document {:?}", doc);
    }

    #[test]
    fn every_proper_prefix_is_incomplete_or_wrong((doc, _) in document()) {
        // No prefix of a document is ever reported as complete.
        let b = doc.as_bytes();
        let root_end = doc.trim_end_matches([' ', '\t', '\n']).len();
        for i in 0..root_end {
            let mut t = Tokenizer::new();
            let fed = t.feed(&b[..i], &mut |_| Ok::<_, XmlError>(()));
            prop_assert!(fed.is_ok(), "prefix {} of {:?}: {:?}", i, doc, fed);
            prop_assert!(t.finish().is_err(), "prefix {} of {:?} accepted", i, doc);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        splits in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let whole = ours(&bytes, &[]);
        prop_assert_eq!(ours(&bytes, &splits), whole);
    }
}
