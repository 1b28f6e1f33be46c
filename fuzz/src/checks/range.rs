//! `range`: `ByteRange::parse` on arbitrary text against a reference
//! reading (the exact error included), constructor → value → parse round
//! trips, and `CopyPlan` on arbitrary sizes (the ranges it hands out).

use super::input::Input;
use tencent_cos_core::Output;
use tencent_cos_core::{ByteRange, CopyPlan, OutputError, PlanError, RangeError};
use tencent_cos_core::{MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE};

const PIECES: &[&str] = &[
    "bytes=",
    "bytes",
    "Bytes=",
    "0",
    "1",
    "-",
    ",",
    " ",
    "+",
    "01",
    "9",
    "18446744073709551615",
    "18446744073709551614",
    "18446744073709551616",
    "99999999999999999999",
];

fn number(s: &str) -> Result<u64, RangeError> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RangeError::NotDigit);
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(RangeError::LeadingZero);
    }
    s.parse::<u64>().map_err(|_| RangeError::Overflow)
}

/// The module docs' rules, in their order.
fn reference_parse(s: &str) -> Result<(u64, u64), RangeError> {
    let spec = s.strip_prefix("bytes=").ok_or(RangeError::Unit)?;
    if spec.contains(',') {
        return Err(RangeError::MultipleRanges);
    }
    let (a, b) = spec.split_once('-').ok_or(RangeError::MissingDash)?;
    if a.is_empty() || b.is_empty() {
        return Err(RangeError::OpenEnded);
    }
    let (a, b) = (number(a)?, number(b)?);
    if a > b {
        return Err(RangeError::Reversed);
    }
    if b == u64::MAX {
        return Err(RangeError::Overflow);
    }
    Ok((a, b))
}

fn check_value(r: ByteRange) {
    let want = format!("bytes={}-{}", r.first(), r.last());
    assert_eq!(r.value().as_str(), want);
    assert_eq!(r.value().as_bytes(), want.as_bytes());
    assert_eq!(r.to_string(), want);
    assert_eq!(r.value().len(), want.len());
    assert!(want.len() <= ByteRange::MAX_VALUE_LEN);
    let mut s = String::new();
    r.value().write_to(&mut s).expect("String");
    assert_eq!(s, want);
    let mut buf = [0u8; ByteRange::MAX_VALUE_LEN];
    assert_eq!(r.value().to_slice(&mut buf), Ok(want.as_str()));
    let mut short = vec![0u8; want.len() - 1];
    assert_eq!(
        r.value().to_slice(&mut short),
        Err(OutputError::BufferTooSmall { needed: want.len() })
    );
    assert_eq!(ByteRange::parse(&want), Ok(r));
    assert_eq!(want.parse::<ByteRange>(), Ok(r));
    assert_eq!(r.len(), r.last() - r.first() + 1);
    assert_eq!(r.end(), r.last() + 1);
}

fn check_new(first: u64, last: u64, len: u64) {
    let r = ByteRange::new(first, last);
    let want = if first > last {
        Err(RangeError::Reversed)
    } else if last == u64::MAX {
        Err(RangeError::Overflow)
    } else {
        Ok((first, last))
    };
    assert_eq!(r.map(|r| (r.first(), r.last())), want);
    if let Ok(r) = r {
        check_value(r);
    }
    let r = ByteRange::from_offset_len(first, len);
    let want = match len {
        0 => Err(RangeError::Empty),
        _ => match first.checked_add(len - 1) {
            Some(last) if last < u64::MAX => Ok((first, last)),
            _ => Err(RangeError::Overflow),
        },
    };
    assert_eq!(r.map(|r| (r.first(), r.last())), want);
    if let Ok(r) = r {
        assert_eq!(r.len(), len);
        check_value(r);
    }
}

fn check_plan(size: u64, preferred: u64) {
    let p = CopyPlan::new(size, preferred);
    let p = match p {
        Err(e) => {
            let want = if size == 0 {
                PlanError::EmptyObject
            } else {
                assert!(size > MAX_OBJECT_SIZE);
                PlanError::TooLarge
            };
            assert_eq!(e, want);
            return;
        }
        Ok(p) => p,
    };
    assert!((1..=MAX_OBJECT_SIZE).contains(&size));
    assert_eq!(p.object_size(), size);
    assert!((MIN_PART_SIZE..=MAX_PART_SIZE).contains(&p.part_size()));
    assert!((1..=MAX_PARTS).contains(&p.part_count()));
    assert_eq!(u64::from(p.part_count()), size.div_ceil(p.part_size()));
    let parts = p.parts();
    assert_eq!(parts.len(), usize::from(p.part_count()));
    // First, last and the ends of the iterator; the middle one by number.
    let n = p.part_count();
    for number in [1, n / 2 + 1, n] {
        let r = p.part(number).expect("in range");
        assert_eq!(r.first(), u64::from(number - 1) * p.part_size());
        if number < n {
            assert_eq!(r.len(), p.part_size());
        } else {
            assert_eq!(r.end(), size);
            assert!(r.len() <= p.part_size());
        }
    }
    assert_eq!(p.part(0), None);
    assert_eq!(p.part(n.saturating_add(1)), None);
    assert_eq!(p.parts().next(), Some((1, p.part(1).expect("first"))));
    assert_eq!(p.parts().next_back(), Some((n, p.part(n).expect("last"))));
    let mut it = p.parts();
    it.next();
    assert_eq!(it.len(), usize::from(n - 1));
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let mut text = String::new();
    for _ in 0..input.below(8) {
        text.push_str(&input.word_or_text(PIECES, 60));
    }
    let got = ByteRange::parse(&text);
    assert_eq!(
        got.map(|r| (r.first(), r.last())),
        reference_parse(&text),
        "{text:?}"
    );
    if let Ok(r) = got {
        // Only canonical values are accepted.
        assert_eq!(r.value().as_str(), text);
    }
    check_new(input.number(), input.number(), input.number());
    let size = match input.byte() % 3 {
        0 => input.number(),
        1 => input.u64() % (MAX_OBJECT_SIZE + 2),
        _ => u64::from(input.u32()) << input.below(24),
    };
    check_plan(size, input.number());
}
