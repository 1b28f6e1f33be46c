//! What C hands over, made into Rust values: strings, byte spans, arrays,
//! input structs and output places. Every raw pointer of the interface but
//! the opaque storage (`state`) becomes a reference here, after the checks
//! that can be made: NULL, alignment, a span that wraps or exceeds
//! `isize::MAX`, UTF-8. What cannot be checked (that the memory is there
//! and unchanged during the call) is the caller's contract, stated in the
//! header.

use crate::status::{Result, tcc_status::*};
use core::ffi::{c_char, c_void};
use core::marker::PhantomData;
use core::mem::{MaybeUninit, align_of, size_of};
use core::ptr::NonNull;
use tencent_cos_core::CanonicalRequest;

/// A string: `len` bytes of UTF-8 at `ptr`, not NUL-terminated (a NUL
/// byte is an ordinary byte). `ptr` may be NULL when `len` is 0 (the
/// empty string); a NULL `ptr` with another length is `TCC_ERR_NULL`.
/// `TCC_STR("literal")` and `tcc_str_of(c_string)` make one.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_str {
    /// The first byte (need not be NUL-terminated).
    pub ptr: *const c_char,
    /// The number of bytes.
    pub len: usize,
}

impl tcc_str {
    /// A view of `s` (for answers handed back to C).
    pub(crate) const fn of(s: &str) -> Self {
        Self {
            ptr: s.as_ptr().cast(),
            len: s.len(),
        }
    }

    /// No string: NULL, 0.
    pub(crate) const EMPTY: Self = Self {
        ptr: core::ptr::null(),
        len: 0,
    };
}

/// A name and its value: a query parameter or a header.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_pair {
    /// The name (a param's decoded name, or a header name, any case).
    pub name: tcc_str,
    /// The value (a param's decoded value; `""` for a valueless param
    /// such as `?uploads`).
    pub value: tcc_str,
}

/// What a signature covers: the method, the decoded path, and the query
/// parameters and headers as arrays of pairs.
///
/// `path` is the decoded path, used as given (`/folder/my file.txt`,
/// never `/folder/my%20file.txt`). Header values are signed exactly as
/// given: send the same bytes. An array may be NULL when its length is 0.
///
/// Any number of pairs. Up to `TCC_SMALL_PAIRS` (16) in all, the library
/// lists them in a table on its stack; a larger request brings the
/// table's storage: `pair_table`, `pair_table_len` slots (at least
/// `params_len + headers_len`), else `TCC_ERR_PAIR_TABLE` with the slots
/// needed in `*needed` where the function has one. Leave them NULL, 0
/// otherwise (a zero-initialised request does).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_request {
    /// The HTTP method, any case (`PUT`).
    pub method: tcc_str,
    /// The decoded path (`/dest/big-file.bin`).
    pub path: tcc_str,
    /// The query parameters, decoded.
    pub params: *const tcc_pair,
    /// The number of query parameters.
    pub params_len: usize,
    /// The headers.
    pub headers: *const tcc_pair,
    /// The number of headers.
    pub headers_len: usize,
    /// Storage for the table of a request of more than `TCC_SMALL_PAIRS`
    /// pairs: `pair_table_len` slots, aligned to `TCC_PAIR_SLOT_ALIGN`
    /// (a `tcc_pair_slot` array is), written during the call and not read
    /// after it. NULL when `pair_table_len` is 0. It must overlap nothing
    /// else the call reads or writes.
    pub pair_table: *mut tcc_pair_slot,
    /// The number of slots at `pair_table`.
    pub pair_table_len: usize,
}

/// One slot of a request's pair table (see `tcc_request`): storage the
/// library writes a pair's place into, of `TCC_PAIR_SLOT_SIZE` bytes
/// aligned to `TCC_PAIR_SLOT_ALIGN`. Declare an array of as many as the
/// request has pairs.
#[repr(C)]
pub union tcc_pair_slot {
    /// The opaque bytes.
    pub bytes: [u8; TCC_PAIR_SLOT_SIZE],
    /// Only aligns the storage.
    pub align_ptr: *mut c_void,
}

/// The bytes of a `tcc_pair_slot`.
#[cfg(target_pointer_width = "64")]
pub const TCC_PAIR_SLOT_SIZE: usize = 32;
/// The bytes of a `tcc_pair_slot`.
#[cfg(not(target_pointer_width = "64"))]
pub const TCC_PAIR_SLOT_SIZE: usize = 16;
/// The alignment a `tcc_pair_slot` needs.
#[cfg(target_pointer_width = "64")]
pub const TCC_PAIR_SLOT_ALIGN: usize = 8;
/// The alignment a `tcc_pair_slot` needs.
#[cfg(not(target_pointer_width = "64"))]
pub const TCC_PAIR_SLOT_ALIGN: usize = 4;

/// What a slot holds: a pair's name and value, as the core takes them.
type Slot<'a> = (&'a str, &'a str);

// The published slot is exactly a pair of string references.
const _: () = {
    assert!(size_of::<Slot<'static>>() == TCC_PAIR_SLOT_SIZE);
    assert!(size_of::<tcc_pair_slot>() == TCC_PAIR_SLOT_SIZE);
    assert!(align_of::<Slot<'static>>() == TCC_PAIR_SLOT_ALIGN);
    assert!(align_of::<tcc_pair_slot>() == TCC_PAIR_SLOT_ALIGN);
};

/// The most params and headers, together, that a request lists in a
/// table on the library's stack (16 entries: 256 bytes on a 32-bit
/// target); a larger one brings the table's storage (`tcc_request`'s
/// `pair_table`). There is no limit on the number of pairs.
pub const TCC_SMALL_PAIRS: usize = 16;

/// Whether `count` values of `size` bytes from address `addr` stay in
/// the address space and within `isize::MAX` bytes (what a Rust slice
/// requires).
fn span(addr: usize, count: usize, size: usize) -> Result<()> {
    let bytes = count.checked_mul(size).ok_or(TCC_ERR_LENGTH)?;
    if bytes > isize::MAX as usize || addr.checked_add(bytes).is_none() {
        return Err(TCC_ERR_LENGTH);
    }
    Ok(())
}

/// `len` values at `ptr`: NULL or not with `len` 0 is empty; otherwise
/// `ptr` must be non-NULL, aligned for `T`, and the span possible.
///
/// # Safety
///
/// Unless `len` is 0, `ptr` points to `len` initialised values of `T`
/// that stay unchanged for `'a`, and any bit pattern is a valid `T`
/// (the C input types: integers and pointers only).
pub(crate) unsafe fn array<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(TCC_ERR_NULL);
    }
    if !ptr.is_aligned() {
        return Err(TCC_ERR_ALIGNMENT);
    }
    span(ptr as usize, len, size_of::<T>())?;
    // SAFETY: non-NULL, aligned, a span inside the address space and
    // within isize::MAX bytes (checked above); readable, initialised and
    // unchanged for 'a by the caller's contract.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// `len` writable bytes at `ptr`; NULL with `len` 0 is empty.
///
/// # Safety
///
/// Unless `len` is 0, `ptr` points to `len` writable bytes that nothing
/// else reads or writes for `'a`.
pub(crate) unsafe fn buffer<'a>(ptr: *mut u8, len: usize) -> Result<&'a mut [u8]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(TCC_ERR_NULL);
    }
    span(ptr as usize, len, 1)?;
    // SAFETY: non-NULL, a possible span (checked above); writable and
    // exclusive for 'a by the caller's contract. Bytes have no alignment,
    // and the buffer is only written before it is read (a C buffer's
    // bytes are initialised memory in any case).
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// The text of `s`, checked as UTF-8.
///
/// # Safety
///
/// As [`array()`], for `s.len` bytes at `s.ptr`.
pub(crate) unsafe fn text<'a>(s: tcc_str) -> Result<&'a str> {
    // SAFETY: the caller's contract for `s` is `array`'s for bytes.
    let bytes = unsafe { array(s.ptr.cast::<u8>(), s.len)? };
    core::str::from_utf8(bytes).map_err(|_| TCC_ERR_UTF8)
}

/// The text of `s`, or `None` when it is empty (an optional field).
///
/// # Safety
///
/// As [`text`].
pub(crate) unsafe fn optional<'a>(s: tcc_str) -> Result<Option<&'a str>> {
    // SAFETY: the caller's contract is `text`'s.
    let t = unsafe { text(s)? };
    Ok(Some(t).filter(|t| !t.is_empty()))
}

/// The input struct at `ptr`.
///
/// # Safety
///
/// Unless NULL, `ptr` points to an initialised `T` that stays unchanged
/// for `'a`, and any bit pattern is a valid `T` (integers and pointers).
pub(crate) unsafe fn input<'a, T>(ptr: *const T) -> Result<&'a T> {
    if ptr.is_null() {
        return Err(TCC_ERR_NULL);
    }
    if !ptr.is_aligned() {
        return Err(TCC_ERR_ALIGNMENT);
    }
    // SAFETY: non-NULL and aligned (checked); valid for 'a by the
    // caller's contract.
    Ok(unsafe { &*ptr })
}

/// A place to write a result: an output parameter.
pub(crate) struct Out<'a, T> {
    ptr: NonNull<T>,
    _out: PhantomData<&'a mut T>,
}

impl<T> Out<'_, T> {
    /// Writes the result (the place may hold anything before).
    pub(crate) fn set(self, value: T) {
        // SAFETY: `out`/`optional_out` made `ptr` from a non-NULL,
        // aligned pointer to a writable `T` (the caller's contract);
        // `write` does not read or drop what was there.
        unsafe { self.ptr.as_ptr().write(value) }
    }
}

/// The output parameter at `ptr`, which must not be NULL.
///
/// # Safety
///
/// Unless NULL, `ptr` points to memory writable as a `T` for `'a` that
/// nothing else uses meanwhile.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T) -> Result<Out<'a, T>> {
    // SAFETY: the caller's contract is `optional_out`'s.
    unsafe { optional_out(ptr)? }.ok_or(TCC_ERR_NULL)
}

/// The output parameter at `ptr`, or `None` when it is NULL.
///
/// # Safety
///
/// As [`out`].
pub(crate) unsafe fn optional_out<'a, T>(ptr: *mut T) -> Result<Option<Out<'a, T>>> {
    let Some(ptr) = NonNull::new(ptr) else {
        return Ok(None);
    };
    if !ptr.is_aligned() {
        return Err(TCC_ERR_ALIGNMENT);
    }
    Ok(Some(Out {
        ptr,
        _out: PhantomData,
    }))
}

/// An output buffer and its `size_t *needed`: the buffer may be NULL
/// when its length is 0 (a size query), `needed` may be NULL.
///
/// # Safety
///
/// As [`buffer`] for `buf` and `len`, and [`out`] for `needed`.
pub(crate) unsafe fn output<'a>(
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> Result<(&'a mut [u8], Needed<'a>)> {
    // SAFETY: the caller's contract.
    let needed = unsafe { optional_out(needed)? };
    // SAFETY: the caller's contract.
    let buf = unsafe { buffer(buf.cast::<u8>(), len)? };
    Ok((buf, Needed(needed)))
}

/// Where to report the length of an output (`size_t *needed`), if the
/// caller asked.
pub(crate) struct Needed<'a>(Option<Out<'a, usize>>);

impl Needed<'_> {
    /// Reports `n`.
    pub(crate) fn report(self, n: usize) {
        if let Some(out) = self.0 {
            out.set(n);
        }
    }
}

/// The bytes of a `tcc_request`'s pairs, checked, before the table of
/// references is built.
pub(crate) struct RawRequest<'a> {
    method: &'a str,
    path: &'a str,
    params: &'a [tcc_pair],
    headers: &'a [tcc_pair],
    /// The caller's table storage, checked when it is needed.
    table: *mut tcc_pair_slot,
    table_len: usize,
}

impl<'a> RawRequest<'a> {
    /// # Safety
    ///
    /// `request` is as [`input`] says, its strings and arrays as [`text`]
    /// and [`array()`] say, all unchanged for `'a`.
    pub(crate) unsafe fn new(request: *const tcc_request) -> Result<Self> {
        // SAFETY: the caller's contract, for each part of the request.
        unsafe {
            let r = input(request)?;
            Ok(Self {
                method: text(r.method)?,
                path: text(r.path)?,
                params: array(r.params, r.params_len)?,
                headers: array(r.headers, r.headers_len)?,
                table: r.pair_table,
                table_len: r.pair_table_len,
            })
        }
    }

    /// The number of pairs: the slots a large request's table needs.
    pub(crate) fn pairs(&self) -> usize {
        self.params.len().saturating_add(self.headers.len())
    }

    /// Runs `f` on the request as the core takes it: the pairs' text
    /// checked and listed in a table, on the stack for a small request,
    /// in the caller's `pair_table` for a larger one
    /// (`TCC_ERR_PAIR_TABLE` if it has fewer slots than
    /// [`pairs`](Self::pairs)).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&CanonicalRequest<'_>) -> R) -> Result<R> {
        if self.pairs() <= TCC_SMALL_PAIRS {
            let mut table = [MaybeUninit::uninit(); TCC_SMALL_PAIRS];
            self.listed(&mut table, f)
        } else {
            // SAFETY: the table's storage is the caller's, under the
            // contract `new` was called with: `table_len` writable slots
            // that nothing else uses during the call.
            let table = unsafe { self.caller_table()? };
            if table.len() < self.pairs() {
                return Err(TCC_ERR_PAIR_TABLE);
            }
            self.listed(table, f)
        }
    }

    /// [`with`](Self::with) for a function whose result is a length: a
    /// too-small pair table is `TCC_ERR_PAIR_TABLE` with the slots needed
    /// (for `*needed`).
    pub(crate) fn with_written(
        &self,
        f: impl FnOnce(&CanonicalRequest<'_>) -> crate::status::Written,
    ) -> Result<crate::status::Written> {
        match self.with(f) {
            Err(TCC_ERR_PAIR_TABLE) => Ok(Err((TCC_ERR_PAIR_TABLE, self.pairs()))),
            r => r,
        }
    }

    /// The caller's table storage, checked (NULL, alignment, span).
    ///
    /// # Safety
    ///
    /// Unless `table_len` is 0, `table` points to `table_len` writable
    /// slots that nothing else reads or writes during the call.
    unsafe fn caller_table(&self) -> Result<&'a mut [MaybeUninit<Slot<'a>>]> {
        if self.table_len == 0 {
            return Ok(&mut []);
        }
        let at = self.table.cast::<MaybeUninit<Slot<'a>>>();
        if at.is_null() {
            return Err(TCC_ERR_NULL);
        }
        if !at.is_aligned() {
            return Err(TCC_ERR_ALIGNMENT);
        }
        span(at as usize, self.table_len, size_of::<Slot<'a>>())?;
        // SAFETY: non-NULL, aligned for a slot, a span inside the address
        // space and within isize::MAX bytes (checked above); writable and
        // exclusive by the caller's contract. `MaybeUninit` makes no
        // claim on what the bytes hold.
        Ok(unsafe { core::slice::from_raw_parts_mut(at, self.table_len) })
    }

    /// Lists the pairs in `table` (at least [`pairs`](Self::pairs) long)
    /// and runs `f` on the request. Out of line, so that a small request's
    /// table is the only large thing in its frame.
    #[inline(never)]
    fn listed<R>(
        &self,
        table: &mut [MaybeUninit<Slot<'a>>],
        f: impl FnOnce(&CanonicalRequest<'_>) -> R,
    ) -> Result<R> {
        let count = self.pairs();
        let slots = table.get_mut(..count).ok_or(TCC_ERR_PAIR_TABLE)?;
        for (slot, p) in slots.iter_mut().zip(self.params.iter().chain(self.headers)) {
            // SAFETY: the pairs' strings are the caller's, under the
            // contract `new` was called with.
            slot.write(unsafe { (text(p.name)?, text(p.value)?) });
        }
        // SAFETY: the loop wrote each of the `count` slots (the zip ends
        // with the pairs, which are `count`; an error returned before
        // this point), so they hold initialised `Slot`s; `MaybeUninit<T>`
        // has `T`'s layout.
        let pairs: &[Slot<'a>] =
            unsafe { core::slice::from_raw_parts(slots.as_ptr().cast::<Slot<'a>>(), count) };
        let np = self.params.len();
        let params = pairs.get(..np).unwrap_or_default();
        let headers = pairs.get(np..).unwrap_or_default();
        Ok(f(&CanonicalRequest::new(
            self.method,
            self.path,
            params,
            headers,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(bytes: &[u8]) -> tcc_str {
        tcc_str {
            ptr: bytes.as_ptr().cast(),
            len: bytes.len(),
        }
    }

    #[test]
    fn spans_that_wrap_or_exceed_isize_are_refused() {
        assert_eq!(span(0x1000, 16, 1), Ok(()));
        assert_eq!(span(usize::MAX - 3, 4, 1), Err(TCC_ERR_LENGTH));
        assert_eq!(span(usize::MAX - 4, 4, 1), Ok(()));
        assert_eq!(span(0, isize::MAX as usize + 1, 1), Err(TCC_ERR_LENGTH));
        assert_eq!(span(0, usize::MAX / 2, 4), Err(TCC_ERR_LENGTH));
    }

    #[test]
    fn strings_null_empty_and_utf8() {
        // SAFETY: every pointer below is NULL or a live slice's.
        unsafe {
            assert_eq!(text(tcc_str::EMPTY), Ok(""));
            let null_with_length = tcc_str {
                ptr: core::ptr::null(),
                len: 1,
            };
            assert_eq!(text(null_with_length), Err(TCC_ERR_NULL));
            assert_eq!(text(s("é".as_bytes())), Ok("é"));
            assert_eq!(text(s(&[0xC3])), Err(TCC_ERR_UTF8));
            assert_eq!(optional(s(b"")), Ok(None));
            assert_eq!(optional(s(b"x")), Ok(Some("x")));
            let huge = tcc_str {
                ptr: b"x".as_ptr().cast(),
                len: usize::MAX,
            };
            assert_eq!(text(huge), Err(TCC_ERR_LENGTH));
        }
    }

    #[test]
    fn arrays_and_outputs_check_alignment() {
        let pairs = [tcc_pair {
            name: tcc_str::EMPTY,
            value: tcc_str::EMPTY,
        }; 2];
        let odd = pairs
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(1)
            .cast::<tcc_pair>();
        let mut n = [0usize; 2];
        let odd_out = n.as_mut_ptr().cast::<u8>().wrapping_add(1).cast::<usize>();
        // SAFETY: the aligned pointers are live arrays'; the misaligned
        // ones are refused before any use.
        unsafe {
            assert_eq!(array(pairs.as_ptr(), 2).map(<[_]>::len), Ok(2));
            assert_eq!(array(odd, 1).err(), Some(TCC_ERR_ALIGNMENT));
            assert_eq!(array(odd, 0).map(<[_]>::len), Ok(0));
            assert_eq!(input(odd).err(), Some(TCC_ERR_ALIGNMENT));
            assert_eq!(out(odd_out).err(), Some(TCC_ERR_ALIGNMENT));
            assert!(optional_out::<usize>(core::ptr::null_mut()).is_ok_and(|o| o.is_none()));
            assert_eq!(
                out::<usize>(core::ptr::null_mut()).err(),
                Some(TCC_ERR_NULL)
            );
            let (buf, needed) = output(core::ptr::null_mut(), 0, n.as_mut_ptr()).unwrap();
            assert!(buf.is_empty());
            needed.report(7);
        }
        assert_eq!(n[0], 7);
    }

    #[test]
    fn requests_take_the_small_table_or_the_callers() {
        const MANY: usize = 70;
        let names: [[u8; 2]; MANY] =
            core::array::from_fn(|i| [b'a' + (i / 26) as u8, b'a' + (i % 26) as u8]);
        let pairs: [tcc_pair; MANY] = core::array::from_fn(|i| tcc_pair {
            name: s(&names[i]),
            value: s(b"v"),
        });
        let mut slots: [tcc_pair_slot; MANY] = core::array::from_fn(|_| tcc_pair_slot {
            bytes: [0; TCC_PAIR_SLOT_SIZE],
        });
        let table = slots.as_mut_ptr();
        let odd = table.cast::<u8>().wrapping_add(1).cast::<tcc_pair_slot>();
        // (pairs, table, table slots, what `with` gives)
        let cases: [(
            usize,
            *mut tcc_pair_slot,
            usize,
            core::result::Result<(), crate::status::tcc_status>,
        ); 9] = [
            (0, core::ptr::null_mut(), 0, Ok(())),
            (16, core::ptr::null_mut(), 0, Ok(())),
            (17, core::ptr::null_mut(), 0, Err(TCC_ERR_PAIR_TABLE)),
            (17, table, 17, Ok(())),
            (70, table, 70, Ok(())),
            (70, table, 69, Err(TCC_ERR_PAIR_TABLE)),
            (70, core::ptr::null_mut(), 70, Err(TCC_ERR_NULL)),
            (70, odd, 69, Err(TCC_ERR_ALIGNMENT)),
            // A small request does not look at the table.
            (5, odd, 69, Ok(())),
        ];
        for (count, pair_table, pair_table_len, want) in cases {
            let r = tcc_request {
                method: s(b"PUT"),
                path: s(b"/k"),
                params: pairs.as_ptr(),
                params_len: count.min(3),
                headers: pairs.as_ptr().wrapping_add(count.min(3)),
                headers_len: count - count.min(3),
                pair_table,
                pair_table_len,
            };
            // SAFETY: the request's strings and arrays are the live arrays
            // above; the table is the live slots (or refused before use).
            let raw = unsafe { RawRequest::new(&r) }.unwrap();
            assert_eq!(raw.pairs(), count);
            let seen = raw.with(|req| {
                let given = names[..count]
                    .iter()
                    .map(|n| core::str::from_utf8(n).unwrap());
                let same = req.params.iter().chain(req.headers).map(|p| p.0).eq(given);
                (req.params.len(), req.headers.len(), same)
            });
            match want {
                Ok(()) => {
                    let (np, nh, same) = seen.unwrap();
                    assert_eq!((np, nh), (count.min(3), count - count.min(3)), "{count}");
                    assert!(same, "{count}");
                }
                Err(e) => assert_eq!(seen.err(), Some(e), "{count} {pair_table_len}"),
            }
            if want == Err(TCC_ERR_PAIR_TABLE) {
                let written = raw.with_written(|_| Ok(0)).unwrap();
                assert_eq!(written, Err((TCC_ERR_PAIR_TABLE, count)));
            }
        }
    }
}
