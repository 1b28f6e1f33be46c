//! Cutting a source object into the parts of a multipart copy.
//!
//! COS's limits: part numbers 1..=10000; every part but the last between
//! 1 MiB and 5 GiB; the last part between 1 byte and 5 GiB. A
//! [`CopyPlan`] holds an object size and a part size that meet them and
//! hands out each part's [`ByteRange`] on demand: nothing is stored per
//! part, the plan is three integers.
//!
//! The part size is the caller's preferred size, brought into 1 MiB..=5 GiB
//! (a smaller preference is raised to 1 MiB, a larger one lowered to
//! 5 GiB, rather than refused), and grown when the object would otherwise
//! need more than 10000 parts: then it is `ceil(size / 10000)` rounded up
//! to a whole MiB. An empty object cannot be copied by ranges and an
//! object over 10000 × 5 GiB cannot be copied in parts at all: both are
//! errors.
//!
//! Nothing here divides 64-bit numbers (a library call on Cortex-M):
//! making a plan shifts, subtracts and divides in 32 bits; handing out
//! parts only multiplies.
//!
//! # Example
//!
//! ```
//! use tencent_cos_core::plan::CopyPlan;
//!
//! // 20 MiB + 1 byte in parts of 8 MiB.
//! let plan = CopyPlan::new((20 << 20) + 1, 8 << 20).unwrap();
//! assert_eq!((plan.part_count(), plan.part_size()), (3, 8 << 20));
//! let parts: Vec<(u16, u64, u64)> = plan.parts().map(|(n, r)| (n, r.first(), r.last())).collect();
//! assert_eq!(parts, [(1, 0, 8_388_607), (2, 8_388_608, 16_777_215), (3, 16_777_216, 20_971_520)]);
//! assert_eq!(plan.part(3).unwrap().value().as_str(), "bytes=16777216-20971520");
//! ```

use core::fmt;
use core::iter::FusedIterator;

use crate::range::ByteRange;

/// The smallest part but the last: 1 MiB.
pub const MIN_PART_SIZE: u64 = 1 << 20;
/// The largest part: 5 GiB.
pub const MAX_PART_SIZE: u64 = 5 << 30;
/// The most parts an upload can have (also the highest part number).
pub const MAX_PARTS: u16 = 10_000;
/// The largest object a multipart copy can cover: 10000 × 5 GiB.
pub const MAX_OBJECT_SIZE: u64 = MAX_PARTS as u64 * MAX_PART_SIZE;

/// Why no plan can be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PlanError {
    /// The object is empty; a range copy needs at least one byte (copy an
    /// empty object with a plain PUT Object - Copy instead).
    EmptyObject,
    /// The object is larger than [`MAX_OBJECT_SIZE`].
    TooLarge,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EmptyObject => "an empty object cannot be copied in parts",
            Self::TooLarge => "object is larger than 10000 parts of 5 GiB",
        })
    }
}

impl core::error::Error for PlanError {}

/// The parts of a multipart copy of one object.
///
/// ```
/// use tencent_cos_core::CopyPlan;
///
/// // 20 MiB in parts of 8 MiB: two whole parts and the rest.
/// let plan = CopyPlan::new(20 << 20, 8 << 20)?;
/// assert_eq!(plan.part_count(), 3);
/// let ranges: Vec<String> = plan.parts().map(|(number, range)| format!("{number} {}", range.value().as_str())).collect();
/// assert_eq!(ranges, ["1 bytes=0-8388607", "2 bytes=8388608-16777215", "3 bytes=16777216-20971519"]);
/// assert_eq!(plan.part(4), None);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CopyPlan {
    object_size: u64,
    part_size: u64,
    part_count: u16,
}

impl CopyPlan {
    /// Plans the copy of an object of `object_size` bytes in parts of
    /// about `preferred_part_size` bytes (see the [module](self) docs for
    /// how that is adjusted).
    ///
    /// ```
    /// use tencent_cos_core::plan::{CopyPlan, PlanError, MAX_OBJECT_SIZE};
    ///
    /// // 10 GiB in parts of 1 MiB would be 10240 parts: grown to 2 MiB.
    /// let plan = CopyPlan::new(10 << 30, 1 << 20).unwrap();
    /// assert_eq!((plan.part_size(), plan.part_count()), (2 << 20, 5120));
    /// // A preference under 1 MiB is raised.
    /// assert_eq!(CopyPlan::new(3 << 20, 1000).unwrap().part_size(), 1 << 20);
    /// assert_eq!(CopyPlan::new(0, 1 << 20), Err(PlanError::EmptyObject));
    /// assert_eq!(CopyPlan::new(MAX_OBJECT_SIZE + 1, 1 << 20), Err(PlanError::TooLarge));
    /// ```
    pub const fn new(object_size: u64, preferred_part_size: u64) -> Result<Self, PlanError> {
        if object_size == 0 {
            return Err(PlanError::EmptyObject);
        }
        if object_size > MAX_OBJECT_SIZE {
            return Err(PlanError::TooLarge);
        }
        let mut part_size = if preferred_part_size < MIN_PART_SIZE {
            MIN_PART_SIZE
        } else if preferred_part_size > MAX_PART_SIZE {
            MAX_PART_SIZE
        } else {
            preferred_part_size
        };
        // Too many parts at this size (`ceil(size / MAX_PARTS) > part_size`,
        // i.e. `size > MAX_PARTS * part_size`): grow to the smallest whole
        // number of MiB that needs no more than MAX_PARTS parts,
        // `ceil(size / (MAX_PARTS * 1 MiB))` MiB (at most 5 GiB, since
        // object_size is at most MAX_OBJECT_SIZE). Computed as
        // `floor((size - 1) / 1 MiB) / MAX_PARTS + 1` in 32 bits: no 64-bit
        // division anywhere here (a ~1 KiB library call on Cortex-M).
        if object_size > MAX_PARTS as u64 * part_size {
            let mib = ((object_size - 1) >> 20) as u32;
            part_size = ((mib / MAX_PARTS as u32) as u64 + 1) << 20;
        }
        let part_count = div_ceil_small(object_size, part_size);
        Ok(Self {
            object_size,
            part_size,
            part_count,
        })
    }

    /// The object's size in bytes.
    pub const fn object_size(&self) -> u64 {
        self.object_size
    }

    /// The length of every part but the last, in 1 MiB..=5 GiB. The last
    /// part holds what remains: from 1 byte up to this size.
    pub const fn part_size(&self) -> u64 {
        self.part_size
    }

    /// The number of parts, 1..=10000.
    pub const fn part_count(&self) -> u16 {
        self.part_count
    }

    /// The byte range of part `number` (1-based), or `None` if there is no
    /// such part.
    pub const fn part(&self, number: u16) -> Option<ByteRange> {
        if number == 0 || number > self.part_count {
            return None;
        }
        // 1 <= number <= part_count, so first < object_size <= MAX_OBJECT_SIZE:
        // the wrapping ops cannot wrap.
        let first = (number as u64 - 1).wrapping_mul(self.part_size);
        let rest = self.object_size.wrapping_sub(first);
        let len = if rest < self.part_size {
            rest
        } else {
            self.part_size
        };
        match ByteRange::from_offset_len(first, len) {
            Ok(r) => Some(r),
            Err(_) => None,
        }
    }

    /// Every part in order, as (part number, byte range).
    pub const fn parts(&self) -> Parts {
        Parts {
            plan: *self,
            next: 1,
            // part_count <= MAX_PARTS: no overflow.
            end: self.part_count.saturating_add(1),
        }
    }
}

/// `ceil(n / d)` for `1 <= n <= MAX_PARTS * d` (so the result is at most
/// `MAX_PARTS`, under `2^14`), by shift-and-subtract: 14 steps, no 64-bit
/// division.
const fn div_ceil_small(n: u64, d: u64) -> u16 {
    // floor((n - 1) / d) < MAX_PARTS < 2^14, one bit at a time.
    let mut rest = n.saturating_sub(1);
    let mut q: u16 = 0;
    let mut bit = 14;
    while bit > 0 {
        bit -= 1;
        let step = d << bit;
        if rest >= step {
            rest -= step;
            q |= 1 << bit;
        }
    }
    q.saturating_add(1)
}

impl IntoIterator for CopyPlan {
    type Item = (u16, ByteRange);
    type IntoIter = Parts;

    fn into_iter(self) -> Parts {
        self.parts()
    }
}

impl IntoIterator for &CopyPlan {
    type Item = (u16, ByteRange);
    type IntoIter = Parts;

    fn into_iter(self) -> Parts {
        self.parts()
    }
}

/// The parts of a [`CopyPlan`], from [`CopyPlan::parts`].
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Parts {
    plan: CopyPlan,
    /// The next number from the front.
    next: u16,
    /// One past the next number from the back.
    end: u16,
}

impl Iterator for Parts {
    type Item = (u16, ByteRange);

    fn next(&mut self) -> Option<(u16, ByteRange)> {
        if self.next >= self.end {
            return None;
        }
        let n = self.next;
        self.next += 1;
        self.plan.part(n).map(|r| (n, r))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.end.saturating_sub(self.next));
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Parts {
    fn next_back(&mut self) -> Option<(u16, ByteRange)> {
        if self.next >= self.end {
            return None;
        }
        self.end -= 1;
        let n = self.end;
        self.plan.part(n).map(|r| (n, r))
    }
}

impl ExactSizeIterator for Parts {}

impl FusedIterator for Parts {}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;

    /// (first, last) of every part, checked against the plan's own
    /// promises on the way.
    fn ranges(plan: &CopyPlan) -> Vec<(u64, u64)> {
        let v: Vec<_> = plan.parts().collect();
        assert_eq!(v.len(), usize::from(plan.part_count()));
        assert_eq!(plan.parts().len(), v.len());
        for (i, (n, r)) in v.iter().enumerate() {
            assert_eq!(usize::from(*n), i + 1);
            assert_eq!(plan.part(*n), Some(*r));
        }
        v.iter().map(|(_, r)| (r.first(), r.last())).collect()
    }

    #[test]
    fn one_mib_object() {
        let p = CopyPlan::new(MIB, MIB).unwrap();
        assert_eq!(ranges(&p), [(0, MIB - 1)]);
    }

    #[test]
    fn tiny_objects_are_one_short_part() {
        let p = CopyPlan::new(1, 8 * MIB).unwrap();
        assert_eq!((p.part_count(), p.part_size()), (1, 8 * MIB));
        assert_eq!(ranges(&p), [(0, 0)]);
        let p = CopyPlan::new(MIB - 1, 0).unwrap();
        assert_eq!((p.part_count(), p.part_size()), (1, MIB));
        assert_eq!(ranges(&p), [(0, MIB - 2)]);
    }

    #[test]
    fn whole_and_one_more() {
        let part = 5 * MIB;
        let p = CopyPlan::new(3 * part, part).unwrap();
        assert_eq!(
            ranges(&p),
            [
                (0, part - 1),
                (part, 2 * part - 1),
                (2 * part, 3 * part - 1)
            ]
        );
        let p = CopyPlan::new(3 * part + 1, part).unwrap();
        assert_eq!(p.part_count(), 4);
        assert_eq!(ranges(&p)[3], (3 * part, 3 * part));
        let p = CopyPlan::new(3 * part - 1, part).unwrap();
        assert_eq!(p.part_count(), 3);
        assert_eq!(ranges(&p)[2], (2 * part, 3 * part - 2));
    }

    #[test]
    fn part_count_limit() {
        // Exactly 10000 parts of 1 MiB: no growth.
        let p = CopyPlan::new(10_000 * MIB, MIB).unwrap();
        assert_eq!((p.part_count(), p.part_size()), (10_000, MIB));
        assert_eq!(p.part(10_000).unwrap().last(), 10_000 * MIB - 1);
        // One byte more would be 10001 parts: grown to 2 MiB.
        let p = CopyPlan::new(10_000 * MIB + 1, MIB).unwrap();
        assert_eq!((p.part_count(), p.part_size()), (5_001, 2 * MIB));
        assert_eq!(ranges(&p)[5_000], (10_000 * MIB, 10_000 * MIB));
        // A non-MiB preference is kept while it fits...
        let p = CopyPlan::new(10_000 * MIB, MIB + 1).unwrap();
        assert_eq!((p.part_count(), p.part_size()), (10_000, MIB + 1));
        // ...and replaced by whole MiB when it does not.
        let p = CopyPlan::new(10_000 * (3 * MIB) + 1, 2 * MIB + 7).unwrap();
        assert_eq!((p.part_count(), p.part_size()), (7_501, 4 * MIB));
    }

    #[test]
    fn object_size_limit() {
        let p = CopyPlan::new(MAX_OBJECT_SIZE, MIB).unwrap();
        assert_eq!((p.part_count(), p.part_size()), (10_000, 5 * GIB));
        assert_eq!(p.part(10_000).unwrap().last(), MAX_OBJECT_SIZE - 1);
        assert_eq!(p.part(10_000).unwrap().len(), 5 * GIB);
        let p = CopyPlan::new(MAX_OBJECT_SIZE - 1, MIB).unwrap();
        assert_eq!((p.part_count(), p.part_size()), (10_000, 5 * GIB));
        assert_eq!(p.part(10_000).unwrap().len(), 5 * GIB - 1);
        assert_eq!(
            CopyPlan::new(MAX_OBJECT_SIZE + 1, MIB),
            Err(PlanError::TooLarge)
        );
        assert_eq!(CopyPlan::new(u64::MAX, u64::MAX), Err(PlanError::TooLarge));
        assert_eq!(CopyPlan::new(0, MIB), Err(PlanError::EmptyObject));
        assert_eq!(MAX_OBJECT_SIZE, 53_687_091_200_000);
    }

    #[test]
    fn preference_is_clamped() {
        assert_eq!(CopyPlan::new(100 * MIB, 0).unwrap().part_size(), MIB);
        assert_eq!(CopyPlan::new(100 * MIB, MIB - 1).unwrap().part_size(), MIB);
        assert_eq!(
            CopyPlan::new(100 * GIB, u64::MAX).unwrap().part_size(),
            5 * GIB
        );
        assert_eq!(
            CopyPlan::new(100 * GIB, 5 * GIB + 1).unwrap().part_size(),
            5 * GIB
        );
        let p = CopyPlan::new(12 * GIB, 5 * GIB).unwrap();
        assert_eq!(ranges(&p).last(), Some(&(10 * GIB, 12 * GIB - 1)));
    }

    #[test]
    fn part_numbers_outside_the_plan() {
        let p = CopyPlan::new(3 * MIB, MIB).unwrap();
        assert_eq!(p.part(0), None);
        assert_eq!(p.part(4), None);
        assert_eq!(p.part(u16::MAX), None);
    }

    #[test]
    fn iterates_from_both_ends() {
        let p = CopyPlan::new(4 * MIB + 5, MIB).unwrap();
        let mut it = p.parts();
        assert_eq!(it.len(), 5);
        assert_eq!(it.next().map(|(n, _)| n), Some(1));
        assert_eq!(it.next_back().map(|(n, r)| (n, r.len())), Some((5, 5)));
        assert_eq!(it.len(), 3);
        let rest: Vec<u16> = it.by_ref().map(|(n, _)| n).collect();
        assert_eq!(rest, [2, 3, 4]);
        assert_eq!(it.next(), None);
        assert_eq!(it.next_back(), None);
        let back: Vec<u16> = p.parts().rev().map(|(n, _)| n).collect();
        assert_eq!(back, [5, 4, 3, 2, 1]);
        let mut count = 0;
        for (n, _) in p {
            count += 1;
            assert_eq!(n, count);
        }
        assert_eq!(count, 5);
    }

    #[test]
    fn const_plan() {
        const PLAN: Result<CopyPlan, PlanError> = CopyPlan::new(10 * MIB, 4 * MIB);
        const LAST: Option<ByteRange> = match PLAN {
            Ok(p) => p.part(3),
            Err(_) => None,
        };
        assert_eq!(LAST.map(|r| (r.first(), r.len())), Some((8 * MIB, 2 * MIB)));
    }

    fn size_strategy() -> impl proptest::strategy::Strategy<Value = u64> {
        use proptest::prelude::*;
        prop_oneof![
            1..=MAX_OBJECT_SIZE,
            1..=64 * MIB,
            (9_990 * MIB..=10_010 * MIB),
            (MAX_OBJECT_SIZE - 10 * GIB..=MAX_OBJECT_SIZE),
            (1u64..=10_000, 1u64..=5 * 1024, -1i64..=1)
                .prop_map(|(k, mib, d)| (k * mib * MIB).saturating_add_signed(d).max(1)),
        ]
    }

    fn preferred_strategy() -> impl proptest::strategy::Strategy<Value = u64> {
        use proptest::prelude::*;
        prop_oneof![
            Just(0),
            proptest::num::u64::ANY,
            MIB - 1..=MIB + 1,
            (1u64..=5 * 1024).prop_map(|m| m * MIB),
            1..=6 * GIB,
        ]
    }

    proptest::proptest! {
        #[test]
        fn plans_cover_the_object_within_limits(
            size in size_strategy(),
            preferred in preferred_strategy(),
        ) {
            use proptest::prop_assert;
            let p = CopyPlan::new(size, preferred).unwrap();
            let count = p.part_count();
            prop_assert!((1..=MAX_PARTS).contains(&count));
            prop_assert!((MIN_PART_SIZE..=MAX_PART_SIZE).contains(&p.part_size()));
            let clamped = preferred.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
            // The 64-bit division formulas, as an oracle for the
            // division-free arithmetic.
            let needed = size.div_ceil(u64::from(MAX_PARTS));
            let oracle = if needed > clamped { needed.div_ceil(MIB) * MIB } else { clamped };
            prop_assert!(p.part_size() == oracle);
            prop_assert!(u64::from(count) == size.div_ceil(p.part_size()));
            if p.part_size() != clamped {
                // Grown: only because the preference needed too many parts,
                // and to the smallest whole MiB that does not.
                prop_assert!(clamped.saturating_mul(u64::from(MAX_PARTS)) < size);
                prop_assert!(p.part_size().is_multiple_of(MIB));
                prop_assert!(p.part_size() * u64::from(MAX_PARTS) >= size);
                prop_assert!((p.part_size() - MIB) * u64::from(MAX_PARTS) < size);
            }
            let mut expected_first = 0u64;
            let mut numbers = 0u16;
            for (n, r) in p.parts() {
                numbers += 1;
                prop_assert!(n == numbers);
                prop_assert!(r.first() == expected_first);
                prop_assert!(r.len() <= p.part_size());
                if n < count {
                    prop_assert!(r.len() == p.part_size());
                    prop_assert!(r.len() >= MIN_PART_SIZE);
                }
                expected_first = r.end();
            }
            prop_assert!(numbers == count);
            prop_assert!(expected_first == size);
            prop_assert!(p.part(count + 1).is_none());
        }
    }
}
