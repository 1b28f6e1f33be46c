//! The opaque types whose storage the caller provides: their published
//! sizes and alignments, and the checks that make a wrong buffer an error
//! instead of undefined behaviour.
//!
//! Each storage holds a `State<T>`: a marker word, then the value. The
//! `_init` function checks the pointer (not NULL, aligned), clears the
//! marker, builds the value and sets the marker last; every other
//! function checks the pointer and the marker before it touches the
//! value. Storage that was never initialised, whose initialisation
//! failed, or that holds another type (each type has its own marker) is
//! `TCC_ERR_NOT_INITIALIZED` — but for garbage whose first word happens
//! to equal the marker (one chance in 2^32): zero storage you have not
//! initialised if it may be passed by mistake.
//!
//! The sizes are exact for 64-bit targets and for 32-bit Arm (checked
//! below at compile time; the header picks the pair by `UINTPTR_MAX`);
//! any other target builds only if its layout fits the published size.

use crate::status::{Result, tcc_status::*};
use core::ffi::c_void;
use core::mem::{align_of, size_of};
use core::ptr::addr_of_mut;

/// Storage of a signing key (`tcc_signing_key_init`): declare one (or a
/// buffer of `TCC_SIGNING_KEY_SIZE` bytes aligned to
/// `TCC_SIGNING_KEY_ALIGN`) and let the library fill it. It owns what it
/// holds (the SecretId, the derived SignKey, a copy of the security token
/// of up to `TCC_MAX_TOKEN_LEN` bytes): treat it like the SecretKey (wipe
/// it when done).
#[repr(C)]
pub union tcc_signing_key {
    /// The opaque bytes.
    pub bytes: [u8; TCC_SIGNING_KEY_SIZE],
    /// Only aligns the storage.
    pub align_u64: u64,
    /// Only aligns the storage.
    pub align_ptr: *mut c_void,
}

/// Storage of a response reader (`tcc_response_reader_init`): the
/// tokenizer's state and the document being read, values of up to
/// `TCC_VALUE_CAPACITY` bytes each.
#[repr(C)]
pub union tcc_response_reader {
    /// The opaque bytes.
    pub bytes: [u8; TCC_RESPONSE_READER_SIZE],
    /// Only aligns the storage.
    pub align_u64: u64,
    /// Only aligns the storage.
    pub align_ptr: *mut c_void,
}

/// Storage of a copy machine (`tcc_copy_init`).
#[repr(C)]
pub union tcc_copy_machine {
    /// The opaque bytes.
    pub bytes: [u8; TCC_COPY_MACHINE_SIZE],
    /// Only aligns the storage.
    pub align_u64: u64,
    /// Only aligns the storage.
    pub align_ptr: *mut c_void,
}

/// The bytes of a `tcc_signing_key`.
#[cfg(target_pointer_width = "64")]
pub const TCC_SIGNING_KEY_SIZE: usize = 4480;
/// The bytes of a `tcc_signing_key`.
#[cfg(not(target_pointer_width = "64"))]
pub const TCC_SIGNING_KEY_SIZE: usize = 4424;
/// The alignment a `tcc_signing_key` needs.
pub const TCC_SIGNING_KEY_ALIGN: usize = 8;

/// The bytes of a `tcc_response_reader`.
#[cfg(target_pointer_width = "64")]
pub const TCC_RESPONSE_READER_SIZE: usize = 1680;
/// The bytes of a `tcc_response_reader`.
#[cfg(not(target_pointer_width = "64"))]
pub const TCC_RESPONSE_READER_SIZE: usize = 1584;
/// The alignment a `tcc_response_reader` needs.
pub const TCC_RESPONSE_READER_ALIGN: usize = 8;

/// The bytes of a `tcc_copy_machine`.
#[cfg(target_pointer_width = "64")]
pub const TCC_COPY_MACHINE_SIZE: usize = 1144;
/// The bytes of a `tcc_copy_machine`.
#[cfg(not(target_pointer_width = "64"))]
pub const TCC_COPY_MACHINE_SIZE: usize = 952;
/// The alignment a `tcc_copy_machine` needs.
pub const TCC_COPY_MACHINE_ALIGN: usize = 8;

/// A value in caller storage, behind its marker.
#[repr(C)]
struct State<T> {
    marker: u32,
    value: T,
}

/// A type whose storage the caller provides.
pub(crate) trait Opaque {
    /// What the storage holds.
    type Inner;
    /// The marker of an initialised storage of this type.
    const MARKER: u32;
}

/// Declares what a storage type holds, and checks at compile time that
/// it fits the published size and alignment, exactly on the targets the
/// table is for.
macro_rules! opaque {
    ($storage:ty, $inner:ty, $marker:literal, $size:expr, $align:expr) => {
        impl Opaque for $storage {
            type Inner = $inner;
            const MARKER: u32 = $marker;
        }
        const _: () = {
            let (size, align) = (size_of::<State<$inner>>(), align_of::<State<$inner>>());
            assert!(size <= $size, "the state outgrew its published size");
            assert!(align <= $align && $align <= align_of::<$storage>());
            assert!(size_of::<$storage>() == $size);
            // Exact where the table is measured: raise or lower it with
            // the state, then regenerate the header.
            #[cfg(any(target_pointer_width = "64", target_arch = "arm"))]
            assert!(size == $size, "the published size is not the state's");
        };
    };
}

opaque!(
    tcc_signing_key,
    crate::sign::Key,
    0x5443_4B59, // "TCKY"
    TCC_SIGNING_KEY_SIZE,
    TCC_SIGNING_KEY_ALIGN
);
opaque!(
    tcc_response_reader,
    crate::response::Reader,
    0x5443_5244, // "TCRD"
    TCC_RESPONSE_READER_SIZE,
    TCC_RESPONSE_READER_ALIGN
);
opaque!(
    tcc_copy_machine,
    crate::copy::Machine,
    0x5443_434D, // "TCCM"
    TCC_COPY_MACHINE_SIZE,
    TCC_COPY_MACHINE_ALIGN
);

/// The storage at `p`, checked for NULL and alignment.
fn checked<C: Opaque>(p: *const C) -> Result<*mut State<C::Inner>> {
    if p.is_null() {
        return Err(TCC_ERR_NULL);
    }
    let state = p.cast::<State<C::Inner>>().cast_mut();
    if !state.is_aligned() {
        return Err(TCC_ERR_ALIGNMENT);
    }
    Ok(state)
}

/// Storage being initialised: its marker is cleared.
pub(crate) struct Claim<'a, C: Opaque> {
    state: *mut State<C::Inner>,
    _storage: core::marker::PhantomData<&'a mut C>,
}

impl<'a, C: Opaque> Claim<'a, C> {
    /// Where the value goes, to build it in place field by field; then
    /// [`mark`](Self::mark).
    pub(crate) fn place(&self) -> *mut C::Inner {
        // SAFETY: `claim` checked the pointer (non-NULL, aligned) and the
        // storage is at least `State`'s size: the field's address is in
        // bounds. No reference is made.
        unsafe { addr_of_mut!((*self.state).value) }
    }

    /// Sets the marker: the value at [`place`](Self::place) is whole.
    ///
    /// # Safety
    ///
    /// Every byte of the value at `place` has been written with a valid
    /// `C::Inner`.
    pub(crate) unsafe fn mark(self) -> &'a mut C::Inner {
        // SAFETY: as `place`, and the value is valid by the contract.
        unsafe {
            addr_of_mut!((*self.state).marker).write(C::MARKER);
            &mut *addr_of_mut!((*self.state).value)
        }
    }

    /// Moves `value` in, sets the marker, and lends the value.
    pub(crate) fn fill(self, value: C::Inner) -> &'a mut C::Inner {
        // SAFETY: `claim` checked the pointer (non-NULL, aligned); the
        // storage is at least `State`'s size (compile-time check) and the
        // caller's for 'a. The old contents are overwritten, never read
        // or dropped: the inner types own nothing but their bytes (no
        // heap, no handles), so nothing leaks.
        unsafe {
            let value_at = addr_of_mut!((*self.state).value);
            value_at.write(value);
            addr_of_mut!((*self.state).marker).write(C::MARKER);
            &mut *value_at
        }
    }
}

/// Starts initialising the storage at `p`: checks the pointer and clears
/// the marker, so that the storage is refused until [`Claim::fill`].
///
/// # Safety
///
/// Unless NULL, `p` points to writable storage of `C`'s size that nothing
/// else uses for `'a`.
pub(crate) unsafe fn claim<'a, C: Opaque>(p: *mut C) -> Result<Claim<'a, C>> {
    let state = checked(p)?;
    // SAFETY: non-NULL and aligned (checked), writable by the contract.
    unsafe { addr_of_mut!((*state).marker).write(0) };
    Ok(Claim {
        state,
        _storage: core::marker::PhantomData,
    })
}

/// The initialised value at `p`, or why not.
fn marked<C: Opaque>(p: *const C) -> Result<*mut State<C::Inner>> {
    let state = checked(p)?;
    // SAFETY: non-NULL and aligned (checked) and readable by the
    // caller's contract; the marker is a plain word, and storage that was
    // never written by this library holds some bit pattern or other from
    // C, which is a valid u32.
    let marker = unsafe { addr_of_mut!((*state).marker).read() };
    if marker == C::MARKER {
        Ok(state)
    } else {
        Err(TCC_ERR_NOT_INITIALIZED)
    }
}

/// The value in the storage at `p`.
///
/// # Safety
///
/// Unless NULL, `p` points to storage of `C`'s size, readable and not
/// written by anything else for `'a`.
pub(crate) unsafe fn get<'a, C: Opaque>(p: *const C) -> Result<&'a C::Inner> {
    let state = marked(p)?;
    // SAFETY: the marker is set only by `Claim::fill`, after the value
    // was written: the value is a valid `Inner` (the marker's one chance
    // in 2^32 on garbage is the documented limit).
    Ok(unsafe { &(*state).value })
}

/// The value in the storage at `p`, to change.
///
/// # Safety
///
/// Unless NULL, `p` points to storage of `C`'s size that nothing else
/// uses for `'a`.
pub(crate) unsafe fn get_mut<'a, C: Opaque>(p: *mut C) -> Result<&'a mut C::Inner> {
    let state = marked(p)?;
    // SAFETY: as in `get`, and exclusive by the caller's contract.
    Ok(unsafe { &mut (*state).value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::Reader;

    #[test]
    fn storage_is_refused_until_filled_and_by_another_type() {
        let mut key = tcc_signing_key {
            bytes: [0; TCC_SIGNING_KEY_SIZE],
        };
        let mut reader = tcc_response_reader {
            bytes: [0xA5; TCC_RESPONSE_READER_SIZE],
        };
        let k: *mut tcc_signing_key = &mut key;
        let r: *mut tcc_response_reader = &mut reader;
        // SAFETY: the pointers are the live unions above, of their sizes;
        // the misaligned one is refused before any use.
        unsafe {
            assert_eq!(get(k.cast_const()).err(), Some(TCC_ERR_NOT_INITIALIZED));
            assert_eq!(get_mut(r).err(), Some(TCC_ERR_NOT_INITIALIZED));
            claim(r)
                .unwrap()
                .fill(Reader::Reading(tencent_cos_core::ResponseReader::new()));
            assert!(get(r.cast_const()).is_ok());
            // The reader's storage is not a key.
            assert_eq!(
                get(r.cast::<tcc_signing_key>().cast_const()).err(),
                Some(TCC_ERR_NOT_INITIALIZED)
            );
            // A claim clears the marker until the value is in.
            let _claim = claim(r).unwrap();
            assert_eq!(get(r.cast_const()).err(), Some(TCC_ERR_NOT_INITIALIZED));
            let odd = k.cast::<u8>().wrapping_add(4).cast::<tcc_signing_key>();
            assert_eq!(claim(odd).err(), Some(TCC_ERR_ALIGNMENT));
            assert_eq!(
                get(core::ptr::null::<tcc_signing_key>()).err(),
                Some(TCC_ERR_NULL)
            );
        }
    }
}
