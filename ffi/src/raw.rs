//! What C hands over, made into Rust values: strings, byte spans, arrays,
//! input structs and output places. Every raw pointer of the interface but
//! the opaque storage (`state`) becomes a reference here, after the checks
//! that can be made: NULL, alignment, a span that wraps or exceeds
//! `isize::MAX`, UTF-8. What cannot be checked (that the memory is there
//! and unchanged during the call) is the caller's contract, stated in the
//! header.

use crate::status::{Result, tcc_status::*};
use core::ffi::c_char;
use core::marker::PhantomData;
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
/// At most `TCC_MAX_PAIRS` pairs in all.
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
}

/// The most params and headers, together, that a request given to
/// `tcc_sign_*`, `tcc_string_to_sign`, `tcc_http_string` or
/// `tcc_verify_*` may have. Their text is not copied, but a table of
/// references to it is built on the stack: up to 16 pairs, 16 entries
/// (256 bytes on a 32-bit target), else 64 (1 KiB on a 32-bit target).
/// FreeRTOS's SigV4 library bounds its pairs the same way.
pub const TCC_MAX_PAIRS: usize = 64;

/// The size of the small table: requests a firmware signs fit in it.
const SMALL_PAIRS: usize = 16;

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
            })
        }
    }

    /// Runs `f` on the request as the core takes it: the pairs' text
    /// checked and put in a table on the stack, as small as the request
    /// allows.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&CanonicalRequest<'_>) -> R) -> Result<R> {
        let count = self.params.len().saturating_add(self.headers.len());
        if count <= SMALL_PAIRS {
            self.with_table::<SMALL_PAIRS, R>(f)
        } else if count <= TCC_MAX_PAIRS {
            self.with_table::<TCC_MAX_PAIRS, R>(f)
        } else {
            Err(TCC_ERR_TOO_MANY_PAIRS)
        }
    }

    /// [`with`](Self::with) with a table of `N` entries, in a frame of
    /// its own (so that a small request does not pay for the large
    /// table's stack).
    #[inline(never)]
    fn with_table<const N: usize, R>(
        &self,
        f: impl FnOnce(&CanonicalRequest<'_>) -> R,
    ) -> Result<R> {
        let mut table: [(&str, &str); N] = [("", ""); N];
        let pairs = self.params.iter().chain(self.headers);
        let mut used = 0;
        for (slot, p) in table.iter_mut().zip(pairs) {
            // SAFETY: the pairs' strings are the caller's, under the
            // contract `new` was called with.
            *slot = unsafe { (text(p.name)?, text(p.value)?) };
            used += 1;
        }
        let np = self.params.len();
        let params = table.get(..np).unwrap_or_default();
        let headers = table.get(np..used).unwrap_or_default();
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
    fn requests_take_the_small_or_the_large_table_or_refuse() {
        let names: [[u8; 2]; TCC_MAX_PAIRS + 1] =
            core::array::from_fn(|i| [b'a' + (i / 26) as u8, b'a' + (i % 26) as u8]);
        let pairs: [tcc_pair; TCC_MAX_PAIRS + 1] = core::array::from_fn(|i| tcc_pair {
            name: s(&names[i]),
            value: s(b"v"),
        });
        for (count, ok) in [(0, true), (16, true), (17, true), (64, true), (65, false)] {
            let r = tcc_request {
                method: s(b"PUT"),
                path: s(b"/k"),
                params: pairs.as_ptr(),
                params_len: count.min(3),
                headers: pairs.as_ptr().wrapping_add(count.min(3)),
                headers_len: count - count.min(3),
            };
            // SAFETY: the request's strings and arrays are the live arrays
            // above.
            let seen = unsafe { RawRequest::new(&r) }
                .and_then(|raw| raw.with(|req| (req.params.len(), req.headers.len())));
            if ok {
                assert_eq!(seen, Ok((count.min(3), count - count.min(3))), "{count}");
            } else {
                assert_eq!(seen, Err(TCC_ERR_TOO_MANY_PAIRS));
            }
        }
    }
}
