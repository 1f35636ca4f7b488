//! Company import from SmartBill's client export (.xlsx; .xls and .ods too).
//!
//! Two halves, two places:
//! - **the import page** parses the file (calamine, in its own WASM module `pkg/import`, never
//!   the service worker's), finds the header row, maps and validates the rows
//!   ([`grid`], [`headers`], [`rows`], [`session`], [`xlsx`], and the page surface in `wasm.rs`);
//! - **the background worker** looks the companies up in MiniCRM, plans what to write and writes
//!   it row by row under the shared 60/min governor, persisting its cursor so it resumes after the
//!   page or the browser was closed ([`plan`], [`job`]).
//!
//! Everything but the reader and the two WASM surfaces is plain Rust, tested natively.

#[cfg(any(feature = "import", not(target_arch = "wasm32")))]
pub mod fastxlsx;
pub mod grid;
pub mod headers;
pub mod job;
pub mod plan;
pub mod rows;
pub mod session;
pub mod view;
#[cfg(any(feature = "import", not(target_arch = "wasm32")))]
pub mod xlsx;

#[cfg(all(target_arch = "wasm32", feature = "import"))]
mod wasm;

pub use crate::error::import::ImportError;
pub use job::{handle, resume, wake_wanted, ImportAction};

/// Parses a file and prepares the preview session (the page's whole first step).
#[cfg(any(feature = "import", not(target_arch = "wasm32")))]
pub fn open(bytes: &[u8], file_name: &str, lang: crate::i18n::Lang) -> Result<session::Session, ImportError> {
    let workbook = xlsx::read_workbook(bytes)?;
    let mut session = session::Session::new(workbook, file_name, lang)?;
    session.file_hash = content_hash(bytes);
    Ok(session)
}

/// A fingerprint of a file's bytes (FNV-1a over 64-bit words, and the length), to tell one file
/// from another: the background job's lookups belong to one file. Not cryptographic: the page
/// and the worker are the same extension. About 10 ms for a 23 MB export.
pub fn content_hash(bytes: &[u8]) -> String {
    const PRIME: u64 = 0x0000_0100_0000_01B3;
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(PRIME);
        h ^= h >> 29;
    }
    for b in words.remainder() {
        h = (h ^ u64::from(*b)).wrapping_mul(PRIME);
    }
    format!("{h:016x}-{}", bytes.len())
}
